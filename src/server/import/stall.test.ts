import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { it } from 'node:test';
import { forEachEngine, passwordFor, userWithRoles } from '../../../test/harness.ts';

const base = '/api/v1/domains/default';

/** A file of `count` agents with extensions from `first`. */
const agentsFile = (count: number, first: number, prefix: string) => {
  const lines = ['login,firstName,lastName,extension,agent'];
  for (let n = 0; n < count; n += 1) lines.push(`${prefix}${n},Agent,No ${n},${first + n},true`);
  return `${lines.join('\n')}\n`;
};

/** Long enough to be probed several times while it runs (the probes start at 2,000 rows). */
const IMPORTED = 15_000;

const timed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
  const started = performance.now();
  const result = await work();
  return [result, performance.now() - started];
};

/** Reads and writes beside a running import: never waiting for its end on the event loop, never reading what it has not committed. */
forEachEngine('Requests during an import', (h) => {
  const upload = (file: string) =>
    h().app.inject({
      method: 'POST',
      url: `${base}/users/import`,
      payload: file,
      headers: { 'content-type': 'text/csv', authorization: `Bearer ${h().admin.token}`, prefer: 'respond-async' },
    });
  const count = async (prefix: string) => (await h().storage.db.selectFrom('users').select('id').where('login_key', 'like', `${prefix}%`).execute()).length;
  const job = async (id: string) => (await h().admin.get(`${base}/jobs/${id}`)).body;
  /** Waits until the job has written some chunks (uncommitted) and is still running. */
  const underway = async (id: string) => {
    for (let i = 0; i < 600; i += 1) {
      const view = await job(id);
      if (view.state !== 'running' || view.progress.rows >= 2000) return view;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('the job did not get under way');
  };
  const finished = async (id: string) => {
    for (let i = 0; i < 3000; i += 1) {
      const view = await job(id);
      if (view.state !== 'running') return view;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the job did not finish');
  };

  it('answers reads at once, with the directory as it was before the import', async () => {
    const before = (await h().admin.post(`${base}/users`, { login: 'before-import', firstName: 'Before', roles: ['agent'] })).body;
    const started = await upload(agentsFile(IMPORTED, 200_000, 'during'));
    assert.equal(started.statusCode, 202);
    const id = started.json().id;
    assert.equal((await underway(id)).state, 'running', 'the import is long enough to read beside');
    const [read, readMs] = await timed(() => h().admin.get(`${base}/users/${before.id}`));
    const [list, listMs] = await timed(() => h().admin.get(`${base}/users?q=during`));
    const [health, healthMs] = await timed(() => h().app.inject({ method: 'GET', url: '/healthz' }));
    const [all] = await timed(() => h().admin.get(`${base}/users?limit=500`));
    const midway = await job(id);
    assert.equal(midway.state, 'running', 'the reads were answered while the import ran');
    assert.ok(midway.progress.rows > 0);
    assert.deepEqual([read.status, read.body.login, list.status, list.body.items.length, health.statusCode], [200, 'before-import', 200, 0, 200]);
    assert.ok(
      all.body.items.every((u: { login: string }) => !u.login.startsWith('during')),
      'none of the rows the import wrote is seen before it commits',
    );
    // On SQLite the import has a thread of its own; on PostgreSQL it shares this event loop (its
    // checks are JavaScript), so there its latency follows the machine's load and is not asserted.
    if (h().engine === 'sqlite')
      for (const [what, ms] of [
        ['GET /users/{id}', readMs],
        ['the users list', listMs],
        ['/healthz', healthMs],
      ] as const)
        assert.ok(ms < 1000, `${what} took ${Math.round(ms)} ms during the import`);
    const done = await finished(id);
    assert.deepEqual([done.state, done.result.created], ['succeeded', IMPORTED]);
    assert.equal(await count('during'), IMPORTED);
    if (h().engine === 'sqlite') {
      // Left in the WAL, the import's pages would be copied into the file by the server's next
      // commit, on the event loop (a second per 200 MB): its thread has done it already.
      const wal = `${h().config.databaseUrl.slice('sqlite:'.length)}-wal`;
      assert.ok(statSync(wal).size < 1_000_000, `the WAL still holds ${statSync(wal).size} bytes after the import`);
    }
  });

  // Kept a chunk a row in the import's own transaction (sealed-secrets.ts), answered a chunk at a
  // time and then gone: ten chunks here, in the order of the file.
  it("keeps a big import's generated SIP secrets for their one download", async () => {
    const rows = 10_000;
    const lines = ['login,firstName,lastName,extension,connection', ...Array.from({ length: rows }, (_, n) => `phone${n},Phone,No ${n},${600_000 + n},pbx`)];
    const started = await upload(`${lines.join('\n')}\n`);
    const id = started.json().id;
    const done = await finished(id);
    assert.deepEqual([done.state, done.result.generatedSecrets], ['succeeded', rows]);
    const head = await h().app.inject({ method: 'HEAD', url: `${base}/jobs/${id}/secrets.csv`, headers: { authorization: `Bearer ${h().admin.token}` } });
    assert.equal(head.statusCode, 404, 'a HEAD does not take them for an answer it would not send');
    const secrets = await h().app.inject({ method: 'GET', url: `${base}/jobs/${id}/secrets.csv`, headers: { authorization: `Bearer ${h().admin.token}` } });
    assert.equal(secrets.statusCode, 200);
    const csv = secrets.body.trim().split('\n');
    assert.deepEqual(
      [csv.length, csv[1]?.startsWith('phone0,600000,'), csv.at(-1)?.startsWith(`phone${rows - 1},${600_000 + rows - 1},`)],
      [rows + 1, true, true],
    );
    assert.equal(new Set(csv.map((line) => line.split(',')[3])).size, rows + 1, 'each secret its own');
    const left = await h().storage.db.selectFrom('job_secrets').select('chunk').where('job_id', '=', id).execute();
    assert.deepEqual(left, [], 'answered, they are gone from the database');
  });

  it('lets a write wait for the import a bounded time, then writes it or refuses it with database.busy — never loses it', async () => {
    const started = await upload(agentsFile(IMPORTED, 300_000, 'waiting'));
    const id = started.json().id;
    assert.equal((await underway(id)).state, 'running');
    const write = timed(() => h().admin.post(`${base}/users`, { login: 'written-during-import', roles: ['agent'] }));
    // The event loop is free while the write waits: a health check is answered meanwhile.
    const [health, healthMs] = await timed(() => h().app.inject({ method: 'GET', url: '/healthz' }));
    assert.equal(health.statusCode, 200);
    assert.ok(healthMs < 1000, `/healthz took ${Math.round(healthMs)} ms while a write waited`);
    const [answer, answerMs] = await write;
    assert.ok(answerMs < 8000, `the write was answered after ${Math.round(answerMs)} ms`);
    if (answer.status === 503) {
      assert.equal(answer.body.code, 'database.busy');
      assert.equal(answer.headers['retry-after'], '2');
      assert.equal(await count('written-during-import'), 0, 'a refused write wrote nothing');
    } else {
      assert.equal(answer.status, 201, JSON.stringify(answer.body));
      assert.equal(await count('written-during-import'), 1);
    }
    await finished(id);
    assert.equal(await count('waiting'), IMPORTED);
    // After the import, the same write goes through at once.
    const again = await h().admin.post(`${base}/users`, { login: 'written-after-import', roles: ['agent'] });
    assert.equal(again.status, 201);
  });

  it('signs users in and out beside the import without waiting for it; the log has both once the import is done', async () => {
    const { id: userId } = await userWithRoles(h(), 'signs-in-during-import', ['agent']);
    const started = await upload(agentsFile(IMPORTED, 500_000, 'signing'));
    const id = started.json().id;
    assert.equal((await underway(id)).state, 'running');
    const [client, signInMs] = await timed(() => h().signIn('default', 'signs-in-during-import', passwordFor('signs-in-during-import')));
    const [me] = await timed(() => client.get('/api/v1/me'));
    const [signedOut, signOutMs] = await timed(() => h().admin.delete(`${base}/users/${userId}/sessions`));
    assert.equal((await job(id)).state, 'running', 'the sign-in and the forced sign-out were answered while the import ran');
    assert.deepEqual([me.status, signedOut.status], [200, 204]);
    assert.equal((await client.get('/api/v1/me')).status, 401, 'the signed-out session is gone at once');
    if (h().engine === 'sqlite')
      for (const [what, ms] of [
        ['the sign-in', signInMs],
        ['the sign-out', signOutMs],
      ] as const)
        assert.ok(ms < 1000, `${what} took ${Math.round(ms)} ms during the import`);
    assert.equal((await finished(id)).state, 'succeeded');
    const audit = await h().admin.get(`${base}/audit?target=${userId}`);
    assert.deepEqual(
      audit.body.items.map((e: { action: string }) => e.action).filter((a: string) => a !== 'user.created'),
      ['user.signed_out', 'session.opened', 'session.opened'],
      'the sign-in of userWithRoles, the one during the import, the forced sign-out',
    );
  });

  it('cancels a running import at once, leaving nothing of it', async () => {
    const started = await upload(agentsFile(IMPORTED, 400_000, 'cancelling'));
    const id = started.json().id;
    assert.equal((await underway(id)).state, 'running');
    const [cancelled, cancelMs] = await timed(() => h().admin.post(`${base}/jobs/${id}/cancel`, {}));
    assert.equal(cancelled.body.state, 'cancelled');
    assert.ok(cancelled.body.progress.rows < IMPORTED);
    // A cancel waits for a hundred rows' checks or the statement running, then the rollback (some
    // tens of ms here, 0.2 s on PostgreSQL, whose statistics refresh it may wait for); the bounds
    // leave room for a busy machine, where the import's threads run at a lower priority.
    const bound = h().engine === 'sqlite' ? 1500 : 3000;
    assert.ok(cancelMs < bound, `the cancel took ${Math.round(cancelMs)} ms`);
    assert.equal(await count('cancelling'), 0);
    const extensions = await h()
      .storage.db.selectFrom('extensions')
      .select('number')
      .where('number', '>=', '400000')
      .where('number', '<', String(400_000 + IMPORTED))
      .execute();
    assert.equal(extensions.length, 0);
  });
});
