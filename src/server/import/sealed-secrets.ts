import { appendFile } from 'node:fs/promises';
import type { SecretCipher } from '../secrets/cipher.ts';
import type { GeneratedSecret } from './schema.ts';

/**
 * Keeps an import's generated SIP secrets for their one download: each chunk's are appended to
 * the job's spool file, one sealed secret a line, before the import goes on. Sealing is a cipher
 * set up per secret (a tenth of a second and more for a chunk of 1,000): done by the thread that
 * runs the import, not on the server's event loop.
 */
export const appendSealed =
  (file: string, cipher: SecretCipher) =>
  (secrets: GeneratedSecret[]): Promise<void> =>
    appendFile(file, secrets.map((s) => `${cipher.seal(JSON.stringify(s))}\n`).join(''));
