/**
 * bench/bulk: bulk delete and bulk restore of 10,000 users (of 20,000 with SIP accounts and agent
 * profiles), and range creation of 10,000, through the API, on SQLite and PostgreSQL; one request
 * each, timed end to end.
 * Run: npm run bench:bulk
 */
import { startServer } from './server-process.ts';
import { cpus, loadavg, totalmem } from 'node:os';
import { sql } from 'kysely';
import { type Engine } from '../src/server/db/connect.ts';
import { freshDirectory, seedUsers } from './seed.ts';

const PASSWORD = 'Bench-Heron-Quartz-61!';
const USERS = 20_000;
const BULK = 10_000;

async function timed(base: string, token: string, path: string, body: unknown) {
  const started = performance.now();
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as { count?: number; detail?: string; created?: unknown[] };
  if (!response.ok) throw new Error(`${path}: ${response.status} ${answer.detail}`);
  return { ms: Math.round(performance.now() - started), count: answer.count };
}

const loadAtStart = loadavg()[0]?.toFixed(1);
const lines: string[] = [];
for (const engine of (process.env.BENCH_ENGINES ?? 'sqlite,postgres').split(',') as Engine[]) {
  const { database, storage, domain } = await freshDirectory(engine, PASSWORD);
  const ids = await seedUsers(storage.db, domain.id, USERS);
  if (engine === 'postgres') await sql`vacuum analyze`.execute(storage.db);
  await storage.close();
  const server = await startServer(database.url);
  try {
    const token = (
      (await (
        await fetch(`${server.base}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ domain: 'default', login: 'admin', password: PASSWORD }),
        })
      ).json()) as { token: string }
    ).token;
    const chosen = ids.slice(0, BULK);
    const deleted = await timed(server.base, token, '/api/v1/domains/default/users/bulk-delete', { ids: chosen, confirm: BULK });
    const restored = await timed(server.base, token, '/api/v1/domains/default/users/bulk-restore', { ids: chosen });
    const range = await timed(server.base, token, '/api/v1/domains/default/users/range', {
      from: '500000',
      to: String(500000 + BULK - 1),
      template: { roles: ['agent'], groups: ['Sales'], agent: { enabled: true, wrapUpTime: 20 }, sip: { connection: 'webrtc' } },
    });
    lines.push(
      `| ${engine} | bulk delete of ${deleted.count} by ids | ${deleted.ms} ms |`,
      `| ${engine} | bulk restore of ${restored.count} by ids | ${restored.ms} ms |`,
      `| ${engine} | range creation of ${BULK} (SIP accounts, agent profiles, a group) | ${range.ms} ms |`,
    );
  } finally {
    server.child.kill('SIGTERM');
    await database.drop();
  }
}
process.stdout.write(
  [
    `bench/bulk — ${new Date().toISOString().slice(0, 10)}, ${USERS} users, one request each`,
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; load average ${loadAtStart} at the start, ${loadavg()[0]?.toFixed(1)} at the end`,
    '',
    '| engine | operation | time |',
    '|---|---|---:|',
    ...lines,
  ].join('\n') + '\n',
);
