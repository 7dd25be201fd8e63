import { hash } from 'node:crypto';
import { randomBytesPooled } from '../secrets/random.ts';

/** 144 random bits, printable: what a phone is provisioned with when nobody chose a secret. */
export const generateSecret = () => randomBytesPooled(18).toString('base64url');

// The one-shot hash: twice as fast as a Hash object for texts this short (four of them a new account).
const hex = (algorithm: 'md5' | 'sha256', text: string) => hash(algorithm, text, 'hex');

/**
 * The digest HA1 values a registrar checks a phone against (RFC 7616: H(username:realm:secret)),
 * in MD5 and SHA-256, plus Kamailio's `ha1b` for phones that authenticate as `username@domain`.
 * The secret itself is never kept.
 */
export function sipDigests(username: string, realm: string, domain: string, secret: string) {
  return {
    ha1_md5: hex('md5', `${username}:${realm}:${secret}`),
    ha1_sha256: hex('sha256', `${username}:${realm}:${secret}`),
    ha1b_md5: hex('md5', `${username}@${domain}:${realm}:${secret}`),
    ha1b_sha256: hex('sha256', `${username}@${domain}:${realm}:${secret}`),
  };
}

export type SipDigests = ReturnType<typeof sipDigests>;

/**
 * Whether an account's digests serve every challenge the registrar may send: `renew` when they
 * were made for another realm, `md5-only` when brought from a system that kept MD5 alone (its
 * SHA-256 digests are empty until a new secret is set).
 */
export const secretStatusOf = (account: { hasSha256: boolean; realmMatches: boolean }): 'current' | 'renew' | 'md5-only' =>
  !account.realmMatches ? 'renew' : account.hasSha256 ? 'current' : 'md5-only';
