import { recordAudit, type AuditActor } from '../audit/store.ts';
import type { Db } from '../db/schema.ts';
import { conflict, invalid } from '../http/problem.ts';
import type { SecretCipher } from '../secrets/cipher.ts';
import { acceptedStep, newEnrolment, newRecoveryCodes } from './rules.ts';
import { clearTwoFactor, enableTwoFactor, readTotp, savePendingSecret } from './store.ts';

/** The account enrolling itself. */
interface Enrolling extends AuditActor {
  id: string;
  domainId: string;
  domainName: string;
}

/** Starts enrolling an authenticator app: a new secret, kept sealed until a first code confirms it. */
export async function startEnrolment(db: Db, cipher: SecretCipher, actor: Enrolling) {
  if ((await readTotp(db, actor.id))?.two_factor === 'totp')
    throw conflict('totp.already_enabled', 'Two-factor authentication is already on; an administrator can reset it');
  const enrolment = newEnrolment(`${actor.login}@${actor.domainName}`);
  await savePendingSecret(db, actor.id, cipher.seal(enrolment.secret));
  return enrolment;
}

/** Turns two-factor on with a first code of the pending secret; answers the recovery codes, shown only now. */
export async function confirmEnrolment(db: Db, cipher: SecretCipher, actor: Enrolling, code: string): Promise<string[]> {
  const stored = await readTotp(db, actor.id);
  if (!stored?.totp_pending_secret) throw conflict('totp.not_started', 'Start with POST /api/v1/me/totp');
  const step = acceptedStep(cipher.open(stored.totp_pending_secret), code, null);
  if (step === null) throw invalid([{ path: 'code', code: 'totp.invalid_code', message: 'Not the code the authenticator shows now' }]);
  const recovery = newRecoveryCodes();
  await db.transaction().execute(async (trx) => {
    await enableTwoFactor(trx, actor.id, stored.totp_pending_secret as string, step, recovery.hashes);
    await recordAudit(trx, {
      domainId: actor.domainId,
      actor,
      action: 'user.two_factor_enabled',
      target: { type: 'user', id: actor.id, name: actor.login },
      changes: { twoFactor: { from: 'none', to: 'totp' } },
    });
  });
  return recovery.codes;
}

/** Ends a user's two-factor authentication (a lost phone); whoever asks must be in charge of the account. */
export async function resetTwoFactor(db: Db, actor: AuditActor, domainId: string, user: { id: string; login: string; two_factor: string }): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await clearTwoFactor(trx, user.id);
    await recordAudit(trx, {
      domainId,
      actor,
      action: 'user.two_factor_reset',
      target: { type: 'user', id: user.id, name: user.login },
      changes: { twoFactor: { from: user.two_factor, to: 'none' } },
    });
  });
}
