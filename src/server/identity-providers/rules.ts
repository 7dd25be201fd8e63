import ipaddr from 'ipaddr.js';

/** The claims a user can be matched by. */
export const matchClaims = ['email', 'preferred_username', 'upn'] as const;
export type MatchClaim = (typeof matchClaims)[number];

/** Plain http is for a provider on this machine only (tests, local development): anything else goes over TLS. */
export function isLoopbackHost(hostname: string): boolean {
  const bare = hostname.replace(/^\[|\]$/g, '');
  if (bare === 'localhost') return true;
  return ipaddr.isValid(bare) && ipaddr.process(bare).range() === 'loopback';
}

/** Why an issuer URL cannot be used, or null. */
export function issuerProblem(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'Not a URL; give the issuer as the provider names it, such as https://login.example.com/realms/center';
  }
  if (url.protocol === 'https:') return url.search || url.hash ? 'An issuer has no query or fragment' : null;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return null;
  return 'The issuer must use https (plain http only on a loopback address such as 127.0.0.1)';
}

/** The ID token's claims Switchboard reads. */
export interface IdentityClaims {
  sub: string;
  email?: unknown;
  email_verified?: unknown;
  preferred_username?: unknown;
  upn?: unknown;
  given_name?: unknown;
  family_name?: unknown;
  amr?: unknown;
}

/**
 * The identity a sign-in vouches for: the matched claim's value. An e-mail counts only when the
 * provider says it verified it (`email_verified`); `preferred_username` and `upn` are the
 * provider's own names of the account, which it asserts by signing them.
 */
export function vouchedIdentity(claims: IdentityClaims, matchClaim: MatchClaim): { value: string } | { refused: 'claim_missing' | 'email_unverified' } {
  const value = claims[matchClaim];
  if (typeof value !== 'string' || value === '') return { refused: 'claim_missing' };
  if (matchClaim === 'email' && claims.email_verified !== true) return { refused: 'email_unverified' };
  return { value };
}

/** The verified e-mail address of the sign-in, if the provider gave one. */
export function verifiedEmail(claims: IdentityClaims): string | null {
  return typeof claims.email === 'string' && claims.email_verified === true ? claims.email : null;
}

/** Whether an address is in one of the allowed e-mail domains; an empty list allows every domain. */
export function emailDomainAllowed(address: string, allowed: string[]): boolean {
  if (allowed.length === 0) return true;
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  return allowed.some((d) => d.toLowerCase() === domain);
}

/** Whether the provider says the sign-in used several factors (RFC 8176 `amr`). */
export function usedSeveralFactors(amr: unknown): boolean {
  if (!Array.isArray(amr)) return false;
  const methods = new Set(amr.filter((m): m is string => typeof m === 'string'));
  return methods.has('mfa') || methods.size >= 2;
}

/** A login for a user created at first sign-in: the claim if it is one, else its part before `@`, made Latin-safe. */
export function loginFromClaim(value: string): string {
  const local = value.includes('@') ? value.slice(0, value.indexOf('@')) : value;
  const cleaned = local
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]/g, '')
    .replace(/^[._-]+/, '')
    .slice(0, 64);
  return cleaned || 'sso-user';
}
