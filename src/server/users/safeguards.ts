import type { Config } from '../config.ts';
import type { Db } from '../db/schema.ts';
import { passwordCheckerFor, type PasswordChecker } from '../passwords/checker.ts';
import { loadSecretKey, parseKey, previousKeyFile, SecretCipher } from '../secrets/cipher.ts';

/**
 * What guards a user's secrets: `passwords` judges a password against the domain's policy (null
 * only for a password the server generated itself); `cipher` seals secrets kept at rest.
 */
export interface Safeguards {
  passwords: PasswordChecker | null;
  cipher: SecretCipher;
}

export const cipherFor = (config: Config) =>
  new SecretCipher(loadSecretKey(config.dataDir, config.secretKey), [...config.previousSecretKeys.map(parseKey), ...previousKeyFile(config.dataDir)]);

export function safeguardsFor(db: Db, config: Config): { passwords: PasswordChecker; cipher: SecretCipher } {
  return { passwords: passwordCheckerFor(db, config), cipher: cipherFor(config) };
}
