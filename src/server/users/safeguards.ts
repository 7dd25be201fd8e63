import type { Config } from '../config.ts';
import type { Db } from '../db/schema.ts';
import { passwordCheckerFor, type PasswordChecker } from '../passwords/checker.ts';
import { loadSecretKey, parseKey, previousKeyFile, SecretCipher } from '../secrets/cipher.ts';
import { CrmGate } from '../crm-gate/gate.ts';

/**
 * What guards a user's secrets: `passwords` judges a password against the domain's policy (null
 * only for a password the server generated itself); `cipher` seals secrets kept at rest. `crm`
 * is the CRM gate, asked before users are made or given a SIP account where a domain has it on;
 * writers that pass none (the first administrator, SSO sign-ins, directory syncs) do not ask it.
 */
export interface Safeguards {
  passwords: PasswordChecker | null;
  cipher: SecretCipher;
  crm?: CrmGate;
}

export const cipherFor = (config: Config) =>
  new SecretCipher(loadSecretKey(config.dataDir, config.secretKey), [...config.previousSecretKeys.map(parseKey), ...previousKeyFile(config.dataDir)]);

export function safeguardsFor(db: Db, config: Config): { passwords: PasswordChecker; cipher: SecretCipher; crm: CrmGate } {
  const cipher = cipherFor(config);
  return { passwords: passwordCheckerFor(db, config), cipher, crm: new CrmGate(cipher, { allowPrivate: config.webhooks.allowPrivate }) };
}
