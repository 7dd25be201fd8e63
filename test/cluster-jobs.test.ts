import assert from 'node:assert/strict';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type Storage } from '../src/server/db/connect.ts';
import { freshStorage } from './databases.ts';
import { PEOPLE, startSlapd, SYNC_DN, SYNC_PASSWORD } from './slapd.ts';
import { CLUSTER_ADMIN_PASSWORD, CLUSTER_REDIS_URL, clusterEnv, dropRedisKeys, serveProcess, stopProcesses, type ServeProcess } from './serve-process.ts';

const REDIS_URL = CLUSTER_REDIS_URL;
const PASSWORD = CLUSTER_ADMIN_PASSWORD;
const HOUSEKEEPING_MS = 300;

interface Job {
  id: string;
  state: string;
  progress: { rows: number; created: number };
  result: { written: boolean; problemCount: number; generatedSecrets: number } | null;
  error: { code: string } | null;
}

/** A process of the cluster, with the times it logged that housekeeping ran. */
interface Member {
  server: ServeProcess;
  housekeeping: number[];
}

const csv = (rows: string[]) => `login,firstName,lastName,extension\n${rows.join('\n')}\n`;

describe('jobs and timers of two processes on one PostgreSQL and one Redis', () => {
  const prefix = `sbtest-${randomBytes(4).toString('hex')}:`;
  let database: Awaited<ReturnType<typeof freshStorage>>;
  let storage: Storage;
  let a: Member;
  let b: Member;
  let token: string;

  const member = (server: ServeProcess): Member => {
    const housekeeping: number[] = [];
    let pending = '';
    server.child.stdout?.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.includes('"msg":"housekeeping done"')) housekeeping.push(Date.now());
    });
    return { server, housekeeping };
  };

  const call = (through: Member, path: string, init: RequestInit = {}) =>
    fetch(`${through.server.url}/api/v1/domains/default${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
    });

  const startImport = async (through: Member, body: string, query = '') => {
    const answer = await call(through, `/users/import${query}`, { method: 'POST', headers: { 'content-type': 'text/csv', prefer: 'respond-async' }, body });
    assert.equal(answer.status, 202);
    return (await answer.json()) as Job;
  };

  const jobThrough = async (through: Member, id: string) => {
    const answer = await call(through, `/jobs/${id}`);
    assert.equal(answer.status, 200);
    return (await answer.json()) as Job;
  };

  const waitFor = async (through: Member, id: string, done: (job: Job) => boolean, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await jobThrough(through, id);
      if (done(job)) return job;
      if (Date.now() > deadline) assert.fail(`the job did not get there in time: ${JSON.stringify(job)}`);
      await sleep(50);
    }
  };

  const usersLike = async (pattern: string) =>
    Number(
      (
        await storage.db
          .selectFrom('users')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('login', 'like', pattern)
          .executeTakeFirstOrThrow()
      ).n,
    );

  before(async () => {
    database = await freshStorage('postgres');
    const env = clusterEnv(database.url, prefix, { SWITCHBOARD_LOG_LEVEL: 'info', SWITCHBOARD_HOUSEKEEPING_INTERVAL_MS: String(HOUSEKEEPING_MS) });
    a = member(await serveProcess(env));
    b = member(await serveProcess(env));
    storage = connect(database.url);
    const signIn = await fetch(`${b.server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ domain: 'default', login: 'admin', password: PASSWORD }),
    });
    token = ((await signIn.json()) as { token: string }).token;
  });

  after(async () => {
    await stopProcesses([a?.server, b?.server]);
    await storage?.close();
    await database?.drop();
    await dropRedisKeys(REDIS_URL, prefix);
  });

  it('follows and cancels through process B an import started through process A, leaving no user written', async () => {
    const rows = Array.from({ length: 60_000 }, (_, n) => `far${n},Agent,No ${n},${500_000 + n}`);
    const started = await startImport(a, csv(rows));

    const running = await waitFor(b, started.id, (job) => job.state !== 'running' || job.progress.rows > 0, 30_000);
    assert.equal(running.state, 'running', 'B sees the job run');
    const later = await waitFor(b, started.id, (job) => job.state !== 'running' || job.progress.rows > running.progress.rows, 30_000);
    assert.equal(later.state, 'running', 'B follows its progress');

    const asked = Date.now();
    const cancel = await call(b, `/jobs/${started.id}/cancel`, { method: 'POST' });
    assert.equal(cancel.status, 200);
    const cancelled = (await cancel.json()) as Job;
    assert.equal(cancelled.state, 'cancelled');
    assert.ok(Date.now() - asked < 3000, `the owner acted on the cancel at once (${Date.now() - asked} ms)`);
    assert.equal((await jobThrough(a, started.id)).state, 'cancelled');
    assert.equal(await usersLike('far%'), 0, 'not a user of the import stayed');
  });

  it('answers through process B the report and the generated secrets of an import that process A ran', async () => {
    const started = await startImport(a, csv(['near1,Anna,Nowak,610001', 'near2,Jan,Kowalski,610002', 'bad login!,Ewa,Zielinska,610003']), '?mode=partial');
    const finished = await waitFor(b, started.id, (job) => job.state !== 'running', 30_000);
    assert.equal(finished.state, 'succeeded');
    assert.equal(finished.result?.problemCount, 1);
    assert.equal(finished.result?.generatedSecrets, 2);

    const report = await call(b, `/jobs/${started.id}/report.csv`);
    assert.equal(report.status, 200);
    const text = await report.text();
    assert.match(text, /bad login!/);
    assert.match(text.split('\n')[0] as string, /error/);

    const secrets = await call(b, `/jobs/${started.id}/secrets.csv`);
    assert.equal(secrets.status, 200);
    assert.match(await secrets.text(), /near1,610001,/);
    assert.equal((await call(a, `/jobs/${started.id}/secrets.csv`)).status, 404, 'the secrets are answered once, by any process');
  });

  it('answers through process B a directory sync that process A runs, and refuses there a second sync of its source', async () => {
    const slapd = await startSlapd(300);
    try {
      const created = await call(a, '/directory-sources', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'corp-ldap', url: slapd.url, bindDn: SYNC_DN, bindPassword: SYNC_PASSWORD, baseDn: PEOPLE, preset: 'openLdap' }),
      });
      assert.equal(created.status, 201);
      const source = ((await created.json()) as { id: string }).id;
      const started = await call(a, `/directory-sources/${source}/sync`, { method: 'POST', headers: { prefer: 'respond-async' } });
      assert.equal(started.status, 202);
      const job = (await started.json()) as Job;

      const second = await call(b, `/directory-sources/${source}/sync?dryRun=true`, { method: 'POST' });
      const seen = await call(b, `/directory-sources/${source}/jobs/${job.id}`);
      assert.equal(seen.status, 200, 'B answers the job A runs');
      const { state } = (await seen.json()) as Job;
      if (state === 'running') assert.equal(second.status, 409, 'one sync of a source at a time, in the whole cluster');

      const deadline = Date.now() + 30_000;
      let finished: Job & { result: { created: number } | null };
      do {
        await sleep(50);
        finished = (await (await call(b, `/directory-sources/${source}/jobs/${job.id}`)).json()) as typeof finished;
      } while (finished.state === 'running' && Date.now() < deadline);
      assert.equal(finished.state, 'succeeded');
      assert.equal(finished.result?.created, 300);
    } finally {
      await slapd.close();
    }
  });

  it('runs housekeeping in one process of the two, and in the other once the first is killed; its import is shown failed', async () => {
    await sleep(HOUSEKEEPING_MS * 6);
    const ranSince = (m: Member, since: number) => m.housekeeping.filter((t) => t >= since).length;
    const since = Date.now();
    await sleep(HOUSEKEEPING_MS * 6);
    const counts = [ranSince(a, since), ranSince(b, since)];
    assert.ok(counts.includes(0) && Math.max(...counts) >= 3, `one process runs housekeeping, the other not: ${counts.join(', ')}`);
    const [holder, other] = counts[0] ? [a, b] : [b, a];

    const rows = Array.from({ length: 60_000 }, (_, n) => `lost${n},Agent,No ${n},${700_000 + n}`);
    const started = await startImport(holder, csv(rows));
    await waitFor(other, started.id, (job) => job.state !== 'running' || job.progress.rows > 0, 30_000);
    holder.server.child.kill('SIGKILL');
    await once(holder.server.child, 'exit');
    const killedAt = Date.now();

    const orphaned = await waitFor(other, started.id, (job) => job.state !== 'running', 20_000);
    assert.equal(orphaned.state, 'failed');
    assert.equal(orphaned.error?.code, 'job.orphaned');
    assert.equal(await usersLike('lost%'), 0, 'not a user of the killed import stayed');
    const takenOver = other.housekeeping.find((t) => t >= killedAt);
    assert.ok(takenOver !== undefined && takenOver - killedAt < 3000, 'the other process took the housekeeping over within twice the lease');
  });
});
