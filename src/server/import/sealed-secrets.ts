import { setImmediate as turn } from 'node:timers/promises';
import { stringify } from 'csv-stringify/sync';
import { unlessBusy } from '../db/busy.ts';
import type { Db } from '../db/schema.ts';
import { dropSecrets, keepSealedSecrets, releaseSecrets, sealedSecretsAfter } from '../jobs/store.ts';
import type { SecretCipher } from '../secrets/cipher.ts';
import type { GeneratedSecret } from './schema.ts';

/**
 * Keeps an import's generated SIP secrets for their one download: each chunk's, sealed one a
 * line, as a row of the job's written in the import's transaction (so they exist exactly when the
 * users do). Sealing is a cipher set up per secret: done by the thread that runs the import, not
 * on the server's event loop.
 */
export const keptSealed = (jobId: string, cipher: SecretCipher) => {
  let chunk = 0;
  return (secrets: GeneratedSecret[], trx: Db): Promise<void> =>
    keepSealedSecrets(trx, jobId, chunk++, secrets.map((s) => `${cipher.seal(JSON.stringify(s))}\n`).join(''));
};

/** Secrets opened between two turns of the event loop: a cipher set up each, some 20 µs. */
const SECRETS_OPENED_AT_ONCE = 200;

/**
 * A taken job's generated secrets as CSV, a chunk read at a time and opened a few at a time, so
 * neither memory nor the event loop holds an import's worth at once. Answered whole, they are
 * gone; an answer broken off (the client gone, a failed read) gives them back to be asked again:
 * a download cut half-way must not leave the administrator with no way to the rest.
 */
export async function* secretsCsv(db: Db, domainId: string, jobId: string, cipher: SecretCipher): AsyncGenerator<string> {
  let whole = false;
  try {
    yield stringify([['login', 'extension', 'sipUsername', 'sipSecret']]);
    for (let kept = await sealedSecretsAfter(db, jobId, -1); kept; kept = await sealedSecretsAfter(db, jobId, kept.chunk))
      for (const secrets of opened(kept.sealed, cipher)) {
        yield stringify(secrets.map((r) => [r.login, r.extension ?? '', r.sipUsername, r.sipSecret]));
        // A stream pulls on without a turn of the event loop until its buffer is full.
        await turn();
      }
    whole = true;
  } finally {
    // Dropping is skipped while another write holds the database (an import on SQLite): taken,
    // they are not answered again, and the prune takes them with their job.
    await (whole ? unlessBusy(() => dropSecrets(db, jobId)) : releaseSecrets(db, domainId, jobId));
  }
}

/** The sealed lines of one kept chunk, opened a few at a time. */
function* opened(sealed: string, cipher: SecretCipher): Generator<GeneratedSecret[]> {
  const lines = sealed.split('\n').filter(Boolean);
  for (let i = 0; i < lines.length; i += SECRETS_OPENED_AT_ONCE)
    yield lines.slice(i, i + SECRETS_OPENED_AT_ONCE).map((line) => JSON.parse(cipher.open(line)) as GeneratedSecret);
}
