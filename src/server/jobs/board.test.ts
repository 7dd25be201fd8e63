import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type Storage } from '../db/connect.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { engines, freshStorage } from '../../../test/databases.ts';
import { JobBoard, type SharedJob } from './board.ts';
import { insertJob, keepSealedSecrets, pruneJobs, sealedSecretsAfter } from './store.ts';

const job = (id: string): SharedJob => ({
  id,
  kind: 'users.import',
  state: 'running',
  startedAt: new Date().toISOString(),
  finishedAt: null,
  startedBy: 'admin',
  progress: { rows: 0 },
  result: null,
  error: null,
});

for (const engine of engines) {
  describe(`The job board on ${engine}`, () => {
    let database: Awaited<ReturnType<typeof freshStorage>>;
    let storage: Storage;
    // Two processes of one cluster: `owner` runs the jobs, `other` only reads and cancels them.
    let owner: JobBoard;
    let other: JobBoard;
    const failures: unknown[] = [];
    before(async () => {
      database = await freshStorage(engine);
      storage = connect(database.url);
      await migrateToLatest(storage.db);
      owner = new JobBoard(storage.db, ['users.import'], (error) => failures.push(error));
      other = new JobBoard(storage.db, ['users.import'], (error) => failures.push(error));
    });
    after(async () => {
      owner.close();
      await storage.close();
      await database.drop();
      assert.deepEqual(failures, []);
    });

    it('shows another process a job, its progress at a bounded rate, and its end with what it keeps', async () => {
      const sut = job('job-followed');
      await owner.opened('domain-1', sut, () => assert.fail('nobody cancelled it'));
      owner.progressed(sut.id, { rows: 1 });
      await sleep(100);
      for (let rows = 2; rows <= 100; rows += 1) owner.progressed(sut.id, { rows });
      await sleep(100);
      const early = await other.read('domain-1', sut.id);
      assert.equal(early?.state, 'running');
      assert.deepEqual(early?.progress, { rows: 1 }, 'the next progress waits half a second after the last written');
      await sleep(600);
      assert.deepEqual((await other.read('domain-1', sut.id))?.progress, { rows: 100 }, 'the last progress is written within half a second');
      assert.equal(await other.read('domain-2', sut.id), undefined, 'a job is read in its own domain only');

      await keepSealedSecrets(storage.db, sut.id, 0, 'SEALED-0\n');
      await keepSealedSecrets(storage.db, sut.id, 1, 'SEALED-1\n');
      await owner.closed({ ...sut, state: 'succeeded', finishedAt: new Date().toISOString(), result: { written: true } }, { report: 'REPORT' });
      const ended = await other.read('domain-1', sut.id);
      assert.equal(ended?.state, 'succeeded');
      assert.deepEqual(ended?.result, { written: true });
      assert.equal(await other.report('domain-1', sut.id), 'REPORT');
      assert.equal(await other.takeSecrets('domain-2', sut.id), false, 'secrets are taken in their own domain only');
      assert.equal(await other.takeSecrets('domain-1', sut.id), true);
      assert.equal(await owner.takeSecrets('domain-1', sut.id), false, 'the secrets are answered once');
      assert.deepEqual(await sealedSecretsAfter(storage.db, sut.id, 0), { chunk: 1, sealed: 'SEALED-1\n' }, 'read a chunk at a time, in order');
      assert.equal(await other.takeSecrets('domain-1', 'job-cancelled'), false, 'a job that kept none has none to take');
    });

    it('cancels through another process a job its owner runs, within a second of asking', async () => {
      const sut = job('job-cancelled');
      let cancelledAfter = -1;
      const asked = Date.now();
      await owner.opened('domain-1', sut, () => {
        cancelledAfter = Date.now() - asked;
        void owner.closed({ ...sut, state: 'cancelled', finishedAt: new Date().toISOString() });
      });
      const cancelled = await other.cancel('domain-1', sut.id);
      assert.equal(cancelled?.state, 'cancelled');
      assert.ok(cancelledAfter >= 0 && cancelledAfter < 1000, `the owner heard the cancel (${cancelledAfter} ms)`);
      assert.equal((await other.cancel('domain-1', sut.id))?.state, 'cancelled', 'a job that ended is answered as it is');
    });

    it('answers a running job whose process stopped proving itself alive as failed, and forgets old jobs', async () => {
      const stale = new Date(Date.now() - 60_000).toISOString();
      await insertJob(storage.db, {
        id: 'job-orphaned',
        domain_id: 'domain-1',
        kind: 'users.import',
        source: null,
        state: 'running',
        started_by: 'admin',
        started_at: stale,
        finished_at: null,
        progress: '{"rows":10}',
        result: null,
        error: null,
        owner: 'a-dead-process',
        heartbeat_at: stale,
      });
      const orphaned = await other.read('domain-1', 'job-orphaned');
      assert.equal(orphaned?.state, 'failed');
      assert.equal((orphaned?.error as { code: string }).code, 'job.orphaned');

      await pruneJobs(storage.db, new Date(Date.now() + 2 * 60 * 60 * 1000));
      assert.equal(await other.read('domain-1', 'job-followed'), undefined);
      assert.equal(await sealedSecretsAfter(storage.db, 'job-followed', -1), undefined, 'secrets not answered whole go with their job');
    });
  });
}
