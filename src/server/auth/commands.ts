import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { recordAudit } from '../audit/store.ts';
import type { Db } from '../db/schema.ts';
import type { Actor } from '../http/access.ts';
import { invalid, Problem } from '../http/problem.ts';
import { identifierKey } from '../identifiers/normal-form.ts';
import type { PasswordChecker } from '../passwords/checker.ts';
import { verifyPassword } from '../passwords/hashing.ts';
import type { SecretCipher } from '../secrets/cipher.ts';
import { closeSession } from '../sessions/store.ts';
import { findDomain, type DomainRecord } from '../tenancy/domain-record.ts';
import { revokeToken } from '../tokens/store.ts';
import { resetTwoFactor } from '../totp/commands.ts';
import { accountInCharge, accountItself, changeUser } from '../users/commands.ts';
import type { profileUpdate } from '../users/schema.ts';
import { findUserRow } from '../users/store.ts';
import { sessionRequired } from './guard.ts';
import { passwordHashOf, replaceResetToken, resetTokenOwner, spendResetToken } from './store.ts';

/** What a change of credentials is checked and sealed with. */
interface Guards {
  passwords: PasswordChecker;
  cipher: SecretCipher;
}

/** Ends this session, or revokes the API token sent in its place: it stops working at once, as an ended session does. */
export async function signOut(db: Db, actor: Actor): Promise<void> {
  if (actor.apiTokenId !== null) await revokeToken(db, actor.id, actor.apiTokenId);
  else await closeSession(db, actor.sessionId);
}

/**
 * The signed-in user changes their own profile. An API token changes no credentials; the current
 * password, when given, must be right; setting one's own password fulfils a forced change. The
 * expected version (If-Match) is read after those checks.
 */
export async function changeOwnProfile(
  db: Db,
  actor: Actor,
  domain: DomainRecord,
  body: z.infer<typeof profileUpdate>,
  expectedVersion: () => number | undefined,
  guards: Guards,
) {
  const { currentPassword, ...change } = body;
  if (actor.apiTokenId !== null && (change.password !== undefined || change.email !== undefined)) throw sessionRequired();
  if (currentPassword !== undefined && !(await verifyPassword(await passwordHashOf(db, actor.id), currentPassword))) {
    throw invalid([{ path: 'currentPassword', code: 'password.current_wrong', message: 'Not your current password' }]);
  }
  const withFlag = change.password === undefined ? change : { ...change, passwordChangeRequired: false };
  return changeUser(db, actor, domain, actor.id, withFlag, expectedVersion(), guards);
}

const invalidResetToken = () =>
  new Problem(400, 'password.reset_token_invalid', 'The reset link is wrong, used or expired; ask an administrator for a new one');

/** A one-time password reset token for a user the actor is in charge of; earlier ones stop working. Shown once. */
export async function issueResetToken(db: Db, actor: Actor, domain: DomainRecord, userId: string, expiresIn: number) {
  const user = await accountInCharge(db, actor, domain.id, userId);
  const token = randomBytes(32).toString('base64url');
  const now = new Date();
  const expiresAt = new Date(now.getTime() + expiresIn * 1000).toISOString();
  await db.transaction().execute(async (trx) => {
    await replaceResetToken(trx, user.id, token, now.toISOString(), expiresAt);
    await recordAudit(trx, {
      domainId: domain.id,
      actor,
      action: 'user.password_reset_issued',
      target: { type: 'user', id: user.id, name: user.login },
      changes: { expiresAt: { from: null, to: expiresAt } },
    });
  });
  return { token, expiresAt };
}

/** Sets a new password with a reset token, as the account itself; the change ends every session of the account. */
export async function redeemResetToken(db: Db, guards: Guards, request: { domain: string; token: string; password: string }): Promise<void> {
  const domainKey = identifierKey(request.domain);
  const domain = domainKey === null ? undefined : await findDomain(db, domainKey);
  const userId = domain ? await resetTokenOwner(db, request.token) : undefined;
  const user = domain && userId ? await findUserRow(db, domain.id, userId) : undefined;
  if (!domain || !user || user.deleted_at) throw invalidResetToken();
  // A password the policy refuses leaves the token usable for a better one.
  await guards.passwords.assertAcceptable(
    domain.id,
    request.password,
    { login: user.login, email: user.email, firstName: user.first_name, lastName: user.last_name },
    user.id,
  );
  if (!(await spendResetToken(db, request.token))) throw invalidResetToken();
  await changeUser(
    db,
    await accountItself(db, domain.id, user),
    domain,
    user.id,
    { password: request.password, passwordChangeRequired: false },
    undefined,
    guards,
  );
}

/** An administrator resets a user's two-factor authentication (a lost phone). */
export async function resetUserTwoFactor(db: Db, actor: Actor, domain: DomainRecord, userId: string): Promise<void> {
  const user = await accountInCharge(db, actor, domain.id, userId);
  await resetTwoFactor(db, actor, domain.id, user);
}
