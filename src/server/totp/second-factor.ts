import type { Db } from '../db/schema.ts';
import { Problem } from '../http/problem.ts';
import type { SecretCipher } from '../secrets/cipher.ts';
import { acceptedStep, recoveryCodeHash } from './rules.ts';
import { readTotp, useRecoveryCode, useStep } from './store.ts';

export const twoFactorRequired = () =>
  new Problem(
    401,
    'auth.two_factor_required',
    'This account uses two-factor authentication: send `totp` (the code of the authenticator app) or a `recoveryCode` with the password',
  );

export const wrongSecondFactor = () => new Problem(401, 'auth.invalid_two_factor', 'The authenticator code or recovery code is wrong or was already used');

/**
 * The second step of a sign-in for a user with two-factor authentication: a TOTP code, each
 * accepted once, or an unspent recovery code. Answers whether it passed; throws when none was given.
 */
export async function passesSecondFactor(db: Db, cipher: SecretCipher, userId: string, proof: { totp?: string; recoveryCode?: string }): Promise<boolean> {
  const stored = await readTotp(db, userId);
  if (!stored || stored.two_factor !== 'totp' || !stored.totp_secret) return true;
  if (proof.totp) {
    const step = acceptedStep(cipher.open(stored.totp_secret), proof.totp, stored.totp_last_step);
    return step !== null && (await useStep(db, userId, step, stored.totp_last_step));
  }
  if (proof.recoveryCode) return useRecoveryCode(db, userId, recoveryCodeHash(proof.recoveryCode));
  throw twoFactorRequired();
}
