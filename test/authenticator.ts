import { Secret, TOTP } from 'otpauth';

/** What an authenticator app shows for a seed at `now`: the tests' phone. */
export const currentCode = (secret: string, now = Date.now()) =>
  TOTP.generate({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30, timestamp: now });
