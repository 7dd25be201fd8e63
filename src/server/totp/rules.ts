import { createHash, randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';

const PERIOD = 30;

/** A new TOTP seed (160 bits) and the `otpauth://` URI an authenticator app scans. */
export function newEnrolment(account: string) {
  const secret = new Secret({ size: 20 });
  const totp = new TOTP({ issuer: 'Switchboard', label: account, secret, algorithm: 'SHA1', digits: 6, period: PERIOD });
  return { secret: secret.base32, uri: totp.toString() };
}

/**
 * The time step a code belongs to, when it is right (one step of clock drift either way) and
 * newer than the last accepted one: a code is good once.
 */
export function acceptedStep(secret: string, code: string, lastStep: number | null, now = Date.now()): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = TOTP.validate({ token: code, secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: PERIOD, timestamp: now, window: 1 });
  if (delta === null) return null;
  const step = Math.floor(now / 1000 / PERIOD) + delta;
  return lastStep !== null && step <= lastStep ? null : step;
}

/** Ten single-use recovery codes, like `k7qm-2xwp-9d`, and the hashes that are stored of them. */
export function newRecoveryCodes(): { codes: string[]; hashes: string[] } {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const codes = Array.from({ length: 10 }, () => {
    const chars = [...randomBytes(10)].map((b) => alphabet[b % alphabet.length]).join('');
    return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8)}`;
  });
  return { codes, hashes: codes.map(recoveryCodeHash) };
}

/** Recovery codes carry 50 bits of randomness: a plain SHA-256 suffices, and lookup stays exact. */
export const recoveryCodeHash = (code: string) => createHash('sha256').update(code.trim().toLowerCase()).digest('hex');
