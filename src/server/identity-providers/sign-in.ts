import { recordSignInAudit } from '../audit/store.ts';
import { signInAccount, type SignInAccount } from '../auth/store.ts';
import { openSignedInSession } from '../auth/sign-in-commands.ts';
import type { Db } from '../db/schema.ts';
import { Problem } from '../http/problem.ts';
import { assertNotLocked, attemptKeys, recordFailure, recordSuccess } from '../lockout/guard.ts';
import { readBruteForceSettings } from '../lockout/store.ts';
import { addressAllowed } from '../networks/networks.ts';
import { allPermissions } from '../permissions/catalog.ts';
import type { SecretCipher } from '../secrets/cipher.ts';
import { findDomain, type DomainRecord } from '../tenancy/domain-record.ts';
import { passesSecondFactor, wrongSecondFactor } from '../totp/second-factor.ts';
import { createUser } from '../users/commands.ts';
import type { Safeguards } from '../users/safeguards.ts';
import { userCreate } from '../users/schema.ts';
import { finishSignIn, SignInRejected, type PendingSignIn, type ProviderClient } from './relying-party.ts';
import { emailDomainAllowed, loginFromClaim, usedSeveralFactors, verifiedEmail, vouchedIdentity, type IdentityClaims, type MatchClaim } from './rules.ts';
import { findProvider, markSsoSession, userForIdentity, type ProviderRow } from './store.ts';

/** Why an SSO sign-in was refused: a stable code the console explains, and a detail for the audit log. */
export class SsoRefused extends Error {
  constructor(
    readonly code: string,
    detail: string,
  ) {
    super(detail);
  }
}

/** What a sign-in that still needs the user's own TOTP code keeps until it is given. */
export interface SecondFactorTicket {
  domain: string;
  providerId: string;
  userId: string;
  expiresAt: number;
}

export interface Client {
  address: string;
  userAgent?: string;
}

type Session = { token: string; expiresAt: string };
export type SsoOutcome = { session: Session } | { secondFactor: SecondFactorTicket };

export const clientOf = (row: ProviderRow, cipher: SecretCipher): ProviderClient => ({
  issuer: row.issuer,
  clientId: row.client_id,
  clientSecret: cipher.open(row.client_secret),
  scopes: JSON.parse(row.scopes) as string[],
});

/** The provider and domain a pending sign-in is for; gone or deactivated ones refuse it. */
export async function providerFor(db: Db, domainName: string, providerId: string) {
  const domain = await findDomain(db, domainName);
  const provider = domain ? await findProvider(db, domain.id, providerId) : undefined;
  if (!domain || !provider || domain.active !== 1) throw new SsoRefused('provider_unknown', 'No such identity provider in an active domain');
  return { domain, provider };
}

interface Attempt {
  db: Db;
  domain: DomainRecord;
  provider: ProviderRow;
  client: Client;
}

/** Audits a refusal and counts it as a failed sign-in of the address and, once known, of the account. */
async function refuse(attempt: Attempt, code: string, detail: string, who: { login?: string; userId?: string } = {}): Promise<never> {
  const { db, domain, provider, client } = attempt;
  await recordSignInAudit(db, {
    domainId: domain.id,
    actor: { id: who.userId ?? null, login: who.login ?? 'anonymous' },
    action: 'sso.refused',
    target: { type: 'session', id: who.userId ?? provider.id, name: who.login ?? provider.button_label },
    changes: { reason: { from: null, to: code }, provider: { from: null, to: provider.button_label }, address: { from: null, to: client.address } },
  });
  const keys = attemptKeys({ domain: domain.name, login: who.login ?? `sso:${provider.id}`, userId: who.userId, address: client.address });
  await recordFailure(db, keys, await readBruteForceSettings(db, domain.id));
  throw new SsoRefused(code, detail);
}

/**
 * The callback of a sign-in: the code exchanged, the ID token checked, the user matched (or
 * created just in time), then a session opened, or a second-factor step asked for when the
 * user has TOTP and the provider did not vouch for several factors.
 */
export async function completeSignIn(
  db: Db,
  guards: Safeguards,
  ttlSeconds: number,
  pending: PendingSignIn & { domain: string },
  callbackUrl: URL,
  client: Client,
): Promise<SsoOutcome> {
  const { domain, provider } = await providerFor(db, pending.domain, pending.providerId);
  const attempt: Attempt = { db, domain, provider, client };
  if (pending.expiresAt < Date.now()) return refuse(attempt, 'expired', 'The sign-in took too long; start again');
  let claims: IdentityClaims;
  try {
    claims = await finishSignIn(clientOf(provider, guards.cipher), pending, callbackUrl);
  } catch (error) {
    if (!(error instanceof SignInRejected)) throw error;
    return refuse(attempt, 'token_rejected', `The provider's answer was refused: ${error.message}`);
  }
  const matchClaim = provider.match_claim as MatchClaim;
  const identity = vouchedIdentity(claims, matchClaim);
  if ('refused' in identity) return refuse(attempt, identity.refused, `The ID token has no usable ${matchClaim} claim (${identity.refused})`);
  const email = verifiedEmail(claims) ?? (matchClaim !== 'email' && identity.value.includes('@') ? identity.value : null);
  const allowed = JSON.parse(provider.allowed_email_domains) as string[];
  if (allowed.length && (!email || !emailDomainAllowed(email, allowed)))
    return refuse(attempt, 'email_domain_not_allowed', `${email ?? identity.value} is not in an allowed e-mail domain`, { login: identity.value });
  const found = (await userForIdentity(db, domain.id, identity.value, matchClaim)) ?? (await createJustInTime(attempt, guards, identity.value, email, claims));
  if (!found) return refuse(attempt, 'unknown_user', `No user of the domain is ${identity.value}`, { login: identity.value });
  const account = await signInAccount(db, domain.id, found.login_key);
  if (!account) return refuse(attempt, 'unknown_user', `No user of the domain is ${identity.value}`, { login: identity.value });
  await admit(attempt, account);
  const multiFactor = usedSeveralFactors(claims.amr);
  if (found.two_factor === 'totp' && !multiFactor) {
    return { secondFactor: { domain: domain.name, providerId: provider.id, userId: account.id, expiresAt: Date.now() + 5 * 60_000 } };
  }
  return { session: await openSsoSession(attempt, account, ttlSeconds, multiFactor, identity.value) };
}

/** What a password sign-in checks besides the password: not locked, active, from an allowed address. */
async function admit(attempt: Attempt, account: SignInAccount): Promise<void> {
  const { db, domain, client } = attempt;
  const who = { login: account.login, userId: account.id };
  try {
    await assertNotLocked(
      db,
      attemptKeys({ domain: domain.name, login: account.login, userId: account.id, address: client.address }),
      await readBruteForceSettings(db, domain.id),
    );
  } catch (error) {
    if (error instanceof Problem) throw new SsoRefused('locked', error.detail);
    throw error;
  }
  if (account.active !== 1) await refuse(attempt, 'account_disabled', `${account.login} is deactivated`, who);
  if (!addressAllowed(client.address, JSON.parse(account.ip_allow_list) as string[]))
    await refuse(attempt, 'ip_not_allowed', `Signing in from ${client.address} is not allowed for ${account.login}`, who);
}

async function openSsoSession(attempt: Attempt, account: SignInAccount, ttlSeconds: number, multiFactor: boolean, identity: string) {
  const { db, domain, provider, client } = attempt;
  const session = await openSignedInSession(db, domain, account, ttlSeconds, client, async (trx, sessionId) => {
    await markSsoSession(trx, sessionId, provider.id, multiFactor);
    await recordSignInAudit(trx, {
      domainId: domain.id,
      actor: { id: account.id, login: account.login },
      action: 'sso.signed_in',
      target: { type: 'session', id: account.id, name: account.login },
      changes: { provider: { from: null, to: provider.button_label }, identity: { from: null, to: identity }, multiFactor: { from: null, to: multiFactor } },
    });
  });
  await recordSuccess(db, attemptKeys({ domain: domain.name, login: account.login, userId: account.id, address: client.address }));
  return session;
}

/** The second step of an SSO sign-in of a user with TOTP whose provider did not vouch for several factors. */
export async function completeSecondFactor(
  db: Db,
  cipher: SecretCipher,
  ttlSeconds: number,
  ticket: SecondFactorTicket,
  proof: { totp?: string; recoveryCode?: string },
  client: Client,
) {
  const { domain, provider } = await providerFor(db, ticket.domain, ticket.providerId);
  const attempt: Attempt = { db, domain, provider, client };
  const user = await db.selectFrom('users').select('login_key').where('id', '=', ticket.userId).where('domain_id', '=', domain.id).executeTakeFirst();
  const account = user && (await signInAccount(db, domain.id, user.login_key));
  if (!account || ticket.expiresAt < Date.now()) throw new Problem(401, 'auth.sso_step_expired', 'The sign-in took too long; sign in with the provider again');
  await admit(attempt, account);
  if (!(await passesSecondFactor(db, cipher, account.id, proof))) {
    await refuse(attempt, 'wrong_second_factor', 'Wrong authenticator or recovery code', { login: account.login, userId: account.id }).catch(() => undefined);
    throw wrongSecondFactor();
  }
  return openSsoSession(attempt, account, ttlSeconds, false, account.login);
}

/**
 * A user made at the first sign-in, when the provider allows it: named after the claim, with the
 * provider's roles and groups and no password. Answers undefined when just-in-time creation is off.
 */
async function createJustInTime(attempt: Attempt, guards: Safeguards, value: string, email: string | null, claims: IdentityClaims) {
  const { db, domain, provider } = attempt;
  if (provider.jit_enabled !== 1) return undefined;
  const text = (claim: unknown) => (typeof claim === 'string' ? claim.slice(0, 100) : '');
  const input = userCreate.safeParse({
    login: loginFromClaim(value),
    email,
    firstName: text(claims.given_name),
    lastName: text(claims.family_name),
    roles: JSON.parse(provider.jit_roles) as string[],
    groups: JSON.parse(provider.jit_groups) as string[],
    integrations: email ? { oauthEmail: email } : undefined,
  });
  if (!input.success) return refuse(attempt, 'jit_failed', `A user for ${value} could not be made: ${input.error.message}`, { login: value });
  const requester = { id: null, login: `sso:${provider.button_label}`.slice(0, 64), platformAdmin: true, permissions: new Set(allPermissions) };
  try {
    await createUser(db, requester, domain, input.data, { passwords: null, cipher: guards.cipher });
  } catch (error) {
    if (!(error instanceof Problem)) throw error;
    return refuse(attempt, 'jit_failed', `A user for ${value} could not be made: ${error.detail}`, { login: value });
  }
  return userForIdentity(db, domain.id, value, provider.match_claim as MatchClaim);
}
