import { identifierKey } from '../identifiers/normal-form.ts';
import type { Db } from '../db/schema.ts';
import { recordSignInAudit } from '../audit/store.ts';
import { unlessBusy } from '../db/busy.ts';
import { writingSignInFileOnly } from '../db/sign-in-file.ts';
import { findDomain, type DomainRecord } from '../tenancy/domain-record.ts';
import { Problem } from '../http/problem.ts';
import { assertNotLocked, attemptKeys, recordFailure, recordSuccess } from '../lockout/guard.ts';
import { defaultBruteForceSettings } from '../lockout/schema.ts';
import { readBruteForceSettings } from '../lockout/store.ts';
import type { SecretCipher } from '../secrets/cipher.ts';
import { passesSecondFactor, wrongSecondFactor } from '../totp/second-factor.ts';
import { addressAllowed } from '../networks/networks.ts';
import { hashPassword, needsRehash, verifyPassword } from '../passwords/hashing.ts';
import { admitSession, mustUseSso, openSession, sessionIdOf } from '../sessions/store.ts';
import { rehashPassword, signInAccount, type SignInAccount } from './store.ts';
import { directoryPasswordIsRight } from '../directory-sources/sign-in.ts';

/** One answer for every wrong login, password, domain or disabled account: nothing to enumerate. */
export const badCredentials = () => new Problem(401, 'auth.invalid_credentials', 'The domain, login or password is wrong, or the account is disabled');

export const ssoRequired = () =>
  new Problem(403, 'auth.sso_required', "This account signs in through the domain's identity provider only: use its button on the sign-in page");

export interface Attempt {
  domain: string;
  login: string;
  password: string;
  totp?: string;
  recoveryCode?: string;
  address: string;
}

/**
 * Checks a sign-in: refused at once while its account or address is locked, counted when it
 * fails, and the account's count reset when it succeeds. Unknown domains and accounts take the
 * same path and the same time as known ones.
 */
export async function authenticate(db: Db, cipher: SecretCipher, attempt: Attempt) {
  const domainKey = identifierKey(attempt.domain);
  const domain = domainKey === null ? undefined : await findDomain(db, domainKey);
  const key = identifierKey(attempt.login);
  const account = domain && key !== null ? await signInAccount(db, domain.id, key) : undefined;
  const settings = domain ? await readBruteForceSettings(db, domain.id) : defaultBruteForceSettings;
  const keys = attemptKeys({ domain: attempt.domain, login: attempt.login, userId: account?.id, address: attempt.address });
  await assertNotLocked(db, keys, settings);
  // A synced user's password is the directory's to check; a directory down refuses the sign-in (503) before any failure is counted.
  const verified = account?.directory_source_id
    ? await directoryPasswordIsRight(db, account.id, attempt.password)
    : await verifyPassword(account?.password_hash ?? null, attempt.password);
  if (!domain || !account || !verified || account.active !== 1 || domain.active !== 1) {
    await recordFailure(db, keys, settings);
    throw badCredentials();
  }
  // Only a right password learns that this account signs in through its identity provider.
  if (await mustUseSso(db, domain.id, account.id)) {
    await recordSignInAudit(db, {
      domainId: domain.id,
      actor: { id: account.id, login: account.login },
      action: 'session.refused',
      target: { type: 'session', id: account.id, name: account.login },
      changes: { reason: { from: null, to: 'sso_required' } },
    });
    throw ssoRequired();
  }
  // Only a right password learns that a second factor is needed; a wrong second factor counts as a failure.
  if (!(await passesSecondFactor(db, cipher, account.id, attempt))) {
    await recordFailure(db, keys, settings);
    throw wrongSecondFactor();
  }
  await recordSuccess(db, keys);
  if (account.password_hash && needsRehash(account.password_hash)) {
    const rehashed = await hashPassword(attempt.password);
    // Done at a later sign-in rather than waited for while a long write holds the directory.
    await unlessBusy(() => rehashPassword(db, account.id, account.password_hash as string, rehashed));
  }
  if (!addressAllowed(attempt.address, JSON.parse(account.ip_allow_list) as string[])) {
    await recordSignInAudit(db, {
      domainId: domain.id,
      actor: { id: account.id, login: account.login },
      action: 'session.refused',
      target: { type: 'session', id: account.id, name: account.login },
      changes: { address: { from: null, to: attempt.address } },
    });
    throw new Problem(
      403,
      'auth.ip_not_allowed',
      `Signing in from ${attempt.address} is not allowed for this account; ask an administrator to add it to the account's IP allow-list`,
    );
  }
  return { domain, account };
}

/**
 * Opens a session for an account that passed `authenticate` (or an SSO sign-in), within its
 * session limit, with its audit entry: all in the sign-in file, so a long write to the directory
 * does not hold it back. `along` writes what the sign-in adds, in the same transaction.
 */
export async function openSignedInSession(
  db: Db,
  domain: DomainRecord,
  account: SignInAccount,
  ttlSeconds: number,
  client: { userAgent?: string; address: string },
  along?: (trx: Db, sessionId: string) => Promise<void>,
) {
  return writingSignInFileOnly(() =>
    db.transaction().execute(async (trx) => {
      await admitSession(trx, account);
      const opened = await openSession(trx, account.id, account.session_max_age ?? ttlSeconds, client);
      await recordSignInAudit(trx, {
        domainId: domain.id,
        actor: { id: account.id, login: account.login },
        action: 'session.opened',
        target: { type: 'session', id: account.id, name: account.login },
        changes: { address: { from: null, to: client.address } },
      });
      await along?.(trx, sessionIdOf(opened.token));
      return opened;
    }),
  );
}
