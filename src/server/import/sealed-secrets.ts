import { appendFile, readFile, rm } from 'node:fs/promises';
import type { Db } from '../db/schema.ts';
import { keepSecrets } from '../jobs/store.ts';
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

/**
 * Moves a written import's sealed secrets from the spool file into its job's row, from the
 * import's thread: one statement of some 190 bytes a secret, that the server's connection would
 * otherwise write (and then checkpoint) on the event loop as the job ends.
 */
export async function keepSealedInJob(db: Db, jobId: string, file: string): Promise<void> {
  const sealed = await readFile(file, 'utf8').catch(() => '');
  if (!sealed) return;
  await keepSecrets(db, jobId, sealed);
  await rm(file, { force: true });
}
