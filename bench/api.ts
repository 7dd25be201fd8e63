/**
 * bench/api: the read path of the directory at 100,000 users, on SQLite and PostgreSQL, beside a
 * bare Fastify route (the framework's ceiling on this machine). Run: npm run bench:api
 * BENCH_USERS and BENCH_SECONDS shorten a trial run.
 */
import { cpus, totalmem } from 'node:os';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import { type Engine } from '../src/server/db/connect.ts';
import { freshDirectory, seedUsers } from './seed.ts';
import { startServer } from './server-process.ts';

const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 10;
const PASSWORD = 'Bench-Heron-Quartz-61!';
/**
 * What administrators type: surnames, first names, both, a login; each word matches 0–5,000 users.
 * Then inside words (`owal`, `chenko` in three surnames: 15,000 users), without diacritics
 * (`wisniewska` for Wiśniewska) and an extension's last digits (`4321`).
 */
const queries = [
  'kowal',
  'anna',
  'olena shev',
  'smith',
  'john.brown',
  'tkach',
  'zofia k',
  'anna.nowak.1234',
  'melnyk',
  'piotr',
  'owal',
  'chenko',
  'wisniewska',
  '4321',
];

interface Figure {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(name: string, base: string, paths: string[], headers: Record<string, string> = {}, connections = CONNECTIONS): Promise<Figure> {
  let next = 0;
  const result = await autocannon({
    url: base,
    connections,
    duration: SECONDS,
    headers,
    requests: [{ setupRequest: (request) => ({ ...request, path: paths[next++ % paths.length] as string }) }],
  });
  const errors = result.errors + result.non2xx;
  return {
    name: `${name} (${connections} conn.)`,
    requestsPerSecond: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors,
  };
}

async function benchEngine(engine: Engine): Promise<Figure[]> {
  const { database, storage, domain } = await freshDirectory(engine, PASSWORD);
  const started = Date.now();
  const ids = await seedUsers(storage.db, domain.id, USERS);
  // What autovacuum does to a loaded table in production: statistics and the visibility map.
  if (engine === 'postgres') await sql`vacuum analyze`.execute(storage.db);
  process.stderr.write(`${engine}: seeded ${USERS} users in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  await storage.close();

  try {
    return [
      ...(await loadEngine(engine, database.url, ids, '5000')),
      // Every request read from the database: what a read of a user that nobody read in the last 5 s costs.
      ...(await loadEngine(engine, database.url, ids, '0')),
    ];
  } finally {
    await database.drop();
  }
}

async function loadEngine(engine: Engine, url: string, ids: string[], readCacheMs: string): Promise<Figure[]> {
  const { child, base } = await startServer(url, { SWITCHBOARD_READ_CACHE_MS: readCacheMs });
  const label = `${engine}${readCacheMs === '0' ? ', read cache off' : ''}`;
  try {
    const signIn = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ domain: 'default', login: 'admin', password: PASSWORD }),
    });
    const { token } = (await signIn.json()) as { token: string };
    const headers = { authorization: `Bearer ${token}` };
    const users = '/api/v1/domains/default/users';
    const sample = ids.filter((_, i) => i % Math.max(1, Math.floor(ids.length / 1000)) === 0);
    const searches = queries.map((q) => `${users}?q=${encodeURIComponent(q)}&limit=50`);
    // A long-running server has its reader threads started (the second starts once the first is
    // busy) and its statements prepared: 3 s of searches, four at a time, before anything is timed.
    const warmUntil = Date.now() + 3000;
    const warmer = async (first: number) => {
      for (let i = first; Date.now() < warmUntil; i += 4)
        await fetch(`${base}${searches[i % searches.length]}`, { headers }).then((answer) => answer.arrayBuffer());
    };
    await Promise.all([0, 1, 2, 3].map(warmer));
    return [
      await load(
        `${label}: GET /users/{id}`,
        base,
        sample.map((id) => `${users}/${id}`),
        headers,
      ),
      await load(`${label}: GET /users?q=…&limit=50`, base, searches, headers),
      // One client at a time: the latency a single administrator sees, without queueing behind others.
      await load(`${label}: GET /users?q=…&limit=50`, base, searches, headers, 1),
    ];
  } finally {
    child.kill('SIGTERM');
  }
}

const figures: Figure[] = [];
const bare = await startServer('', { BENCH_SERVER: 'bare' });
figures.push(await load('bare Fastify route (constant)', bare.base, ['/constant']));
bare.child.kill('SIGTERM');
for (const engine of (process.env.BENCH_ENGINES ?? 'sqlite,postgres').split(',') as Engine[]) figures.push(...(await benchEngine(engine)));

const ceiling = figures[0]!.requestsPerSecond;
const lines = [
  `bench/api — ${new Date().toISOString().slice(0, 10)}, ${USERS} users, ${SECONDS} s each`,
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  '',
  '| measurement | requests/s | % of bare route | p50 ms | p99 ms | errors |',
  '|---|---:|---:|---:|---:|---:|',
  ...figures.map((f) => `| ${f.name} | ${f.requestsPerSecond} | ${Math.round((f.requestsPerSecond / ceiling) * 100)}% | ${f.p50} | ${f.p99} | ${f.errors} |`),
];
process.stdout.write(`${lines.join('\n')}\n`);
