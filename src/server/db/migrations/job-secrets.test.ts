import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { engines, freshStorage } from '../../../../test/databases.ts';
import { connect } from '../connect.ts';
import { migrateToLatest, migrateUpTo } from '../migrate.ts';

const job = {
  id: 'job-1',
  domain_id: 'domain-1',
  kind: 'users.import',
  state: 'succeeded',
  started_by: 'admin',
  started_at: '2026-12-02T10:00:00.000Z',
  progress: '{}',
  owner: 'process-1',
  heartbeat_at: '2026-12-02T10:00:00.000Z',
};

for (const engine of engines) {
  describe(`job secrets' migration (${engine})`, () => {
    it("carries a finished import's secrets into a chunk of their own, and back", async () => {
      const database = await freshStorage(engine);
      const storage = connect(database.url);
      try {
        await migrateUpTo(storage.db, '2026-12-01.16-users-lean-indexes');
        await sql`insert into jobs (id, domain_id, kind, state, started_by, started_at, progress, owner, heartbeat_at, secrets)
          values (${job.id}, ${job.domain_id}, ${job.kind}, ${job.state}, ${job.started_by}, ${job.started_at}, ${job.progress}, ${job.owner}, ${job.heartbeat_at}, ${'SEALED-A\nSEALED-B\n'})`.execute(
          storage.db,
        );
        await migrateToLatest(storage.db);
        const kept = await storage.db.selectFrom('job_secrets').selectAll().execute();
        assert.deepEqual(kept, [{ job_id: 'job-1', chunk: 0, sealed: 'SEALED-A\nSEALED-B\n' }]);
        const row = await storage.db.selectFrom('jobs').selectAll().where('id', '=', 'job-1').executeTakeFirstOrThrow();
        assert.equal(row.secrets_taken_at, null);
        assert.equal((row as Record<string, unknown>).secrets, null, 'the old column stays for the release before, emptied');

        await storage.db.insertInto('job_secrets').values({ job_id: 'job-1', chunk: 1, sealed: 'SEALED-C\n' }).execute();
        await migrateUpTo(storage.db, '2026-12-01.16-users-lean-indexes');
        const { rows } = await sql<{ secrets: string }>`select secrets from jobs where id = 'job-1'`.execute(storage.db);
        assert.deepEqual(rows, [{ secrets: 'SEALED-A\nSEALED-B\nSEALED-C\n' }], 'down again, the chunks in order in one text');
      } finally {
        await storage.close();
        await database.drop();
      }
    });
  });
}
