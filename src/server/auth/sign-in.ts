import { identifierKey } from '../identifiers/normal-form.ts';
import type { Db } from '../db/schema.ts';
import { recordAudit } from '../audit/store.ts';
import { findDomain } from '../tenancy/domain-record.ts';
import { Problem } from '../http/problem.ts';
import { assertNotLocked, attemptKeys, recordFailure, recordSuccess } from '../lockout/guard.ts';
import { defaultBruteForceSettings } from '../lockout/schema.ts';
import { readBruteForceSettings } from '../lockout/store.ts';
import type { SecretCipher } from '../secrets/cipher.ts';
import { passesSecondFactor, wrongSecondFactor } from '../totp/second-factor.ts';
import { addressAllowed } from '../networks/networks.ts';
import { hashPassword, needsRehash, verifyPassword } from '../passwords/hashing.ts';

/** One answer for every wrong login, password, domain or disabled account: nothing to enumerate. */
export const badCredentials = () => new Problem(401, 'auth.invalid_credentials', 'The domain, login or password is wrong, or the account is disabled');

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
  const account =
    domain && key !== null
      ? await db
          .selectFrom('users')
          .select(['id', 'login', 'password_hash', 'active', 'ip_allow_list', 'max_sessions', 'session_limit', 'session_max_age'])
          .where('domain_id', '=', domain.id)
          .where('deleted_at', 'is', null)
          .where((eb) => eb.or([eb('login_key', '=', key), eb('email_key', '=', key)]))
          .executeTakeFirst()
      : undefined;
  const settings = domain ? await readBruteForceSettings(db, domain.id) : defaultBruteForceSettings;
  const keys = attemptKeys({ domain: attempt.domain, login: attempt.login, userId: account?.id, address: attempt.address });
  await assertNotLocked(db, keys, settings);
  const verified = await verifyPassword(account?.password_hash ?? null, attempt.password);
  if (!domain || !account || !verified || account.active !== 1 || domain.active !== 1) {
    await recordFailure(db, keys, settings);
    throw badCredentials();
  }
  // Only a right password learns that a second factor is needed; a wrong second factor counts as a failure.
  if (!(await passesSecondFactor(db, cipher, account.id, attempt))) {
    await recordFailure(db, keys, settings);
    throw wrongSecondFactor();
  }
  await recordSuccess(db, keys);
  if (account.password_hash && needsRehash(account.password_hash)) {
    await db
      .updateTable('users')
      .set({ password_hash: await hashPassword(attempt.password) })
      .where('id', '=', account.id)
      .where('password_hash', '=', account.password_hash)
      .execute();
  }
  if (!addressAllowed(attempt.address, JSON.parse(account.ip_allow_list) as string[])) {
    await recordAudit(db, {
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
