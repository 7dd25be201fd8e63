import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { engines, freshStorage } from '../../../test/databases.ts';
import { connect, type Storage } from '../db/connect.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { insertJob, sealedSecretsAfter, takeSecrets } from '../jobs/store.ts';
import { SecretCipher } from '../secrets/cipher.ts';
import { keptSealed, secretsCsv } from './sealed-secrets.ts';

const cipher = new SecretCipher(randomBytes(32));

/** A finished import's job, with `count` generated secrets kept in chunks of 100 as its import keeps them. */
async function jobWithSecrets(storage: Storage, id: string, count: number) {
  const now = new Date().toISOString();
  const row = { id, domain_id: 'domain-1', kind: 'users.import', source: null, state: 'succeeded', started_by: 'admin', started_at: now };
  await insertJob(storage.db, { ...row, finished_at: now, progress: '{}', result: null, error: null, heartbeat_at: now, owner: 'process-1' });
  const keep = keptSealed(id, cipher);
  for (let first = 0; first < count; first += 100) {
    const secrets = Array.from({ length: Math.min(100, count - first) }, (_, n) => ({
      login: `agent${first + n}`,
      extension: String(5000 + first + n),
      sipUsername: String(5000 + first + n),
      sipSecret: `secret-${first + n}`,
    }));
    await keep(secrets, storage.db);
  }
}

for (const engine of engines) {
  describe(`An import's generated secrets (${engine})`, () => {
    let database: Awaited<ReturnType<typeof freshStorage>>;
    let storage: Storage;
    before(async () => {
      database = await freshStorage(engine);
      storage = connect(database.url);
      await migrateToLatest(storage.db);
    });
    after(async () => {
      await storage.close();
      await database.drop();
    });

    it('are answered whole as CSV, in the order of the file, sealed at rest, and gone once answered', async () => {
      await jobWithSecrets(storage, 'job-whole', 450);
      const kept = await sealedSecretsAfter(storage.db, 'job-whole', -1);
      assert.equal(kept?.sealed.includes('secret-0'), false, 'sealed, never in clear');
      assert.equal(await takeSecrets(storage.db, 'domain-1', 'job-whole'), true);
      let csv = '';
      for await (const piece of secretsCsv(storage.db, 'domain-1', 'job-whole', cipher)) csv += piece;
      const lines = csv.trim().split('\n');
      assert.deepEqual(
        [lines.length, lines[0], lines[1], lines.at(-1)],
        [451, 'login,extension,sipUsername,sipSecret', 'agent0,5000,5000,secret-0', 'agent449,5449,5449,secret-449'],
      );
      assert.equal(await sealedSecretsAfter(storage.db, 'job-whole', -1), undefined, 'gone from the database');
      assert.equal(await takeSecrets(storage.db, 'domain-1', 'job-whole'), false, 'answered once');
    });

    it('are given back when their answer breaks off, to be asked again', async () => {
      await jobWithSecrets(storage, 'job-cut', 450);
      assert.equal(await takeSecrets(storage.db, 'domain-1', 'job-cut'), true);
      const answer = secretsCsv(storage.db, 'domain-1', 'job-cut', cipher);
      await answer.next();
      await answer.next();
      // What a stream destroyed half-way (the client gone) does to its source.
      await answer.return(undefined);
      assert.equal(await takeSecrets(storage.db, 'domain-1', 'job-cut'), true, 'taken again after the broken answer');
      let csv = '';
      for await (const piece of secretsCsv(storage.db, 'domain-1', 'job-cut', cipher)) csv += piece;
      assert.equal(csv.trim().split('\n').length, 451, 'all of them, the second time');
    });
  });
}
