/**
 * bench/scim: SCIM at 100,000 users — an identity provider's lookup (`filter=userName eq "…"`)
 * beside GET /users/{id} and /healthz of the same server, and a Bulk request of 1,000 user
 * creations. Run: npm run bench:scim. BENCH_USERS, BENCH_SECONDS and BENCH_ENGINES shorten a trial run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpus, tmpdir, totalmem } from 'node:os';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import { connect, type Engine } from '../src/server/db/connect.ts';
import { migrateToLatest } from '../src/server/db/migrate.ts';
import { bootstrapDirectory } from '../src/server/setup/bootstrap.ts';
import { loadConfig } from '../src/server/config.ts';
import { safeguardsFor } from '../src/server/users/safeguards.ts';
import { findDomain } from '../src/server/tenancy/domain-record.ts';
import { freshStorage } from '../test/databases.ts';
import { seedUsers } from './seed.ts';

const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const BULK_SIZE = 1000;
const BULK_ROUNDS = 3;
const PASSWORD = 'Bench-Heron-Quartz-61!';

interface Figure {
  name: string;
  value: string;
  p50?: number;
  p99?: number;
  errors?: number;
}

async function startServer(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn('node', ['--import', 'tsx', 'bench/server.ts'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout?.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { child, base: `http://127.0.0.1:${port}` };
}

async function load(name: string, base: string, paths: string[], headers: Record<string, string>, connections: number): Promise<Figure> {
  let next = 0;
  const result = await autocannon({
    url: base,
    connections,
    duration: SECONDS,
    headers,
    requests: [{ setupRequest: (request) => ({ ...request, path: paths[next++ % paths.length] as string }) }],
  });
  return {
    name: `${name} (${connections} conn.)`,
    value: `${Math.round(result.requests.average)} req/s`,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

async function benchEngine(engine: Engine): Promise<Figure[]> {
  const database = await freshStorage(engine);
  const storage = connect(database.url);
  await migrateToLatest(storage.db);
  await bootstrapDirectory(
    storage.db,
    { login: 'admin', password: PASSWORD },
    safeguardsFor(storage.db, loadConfig({ SWITCHBOARD_PWNED_URL: '', SWITCHBOARD_DATA_DIR: tmpdir() })),
  );
  const domain = await findDomain(storage.db, 'default');
  const ids = await seedUsers(storage.db, domain!.id, USERS);
  if (engine === 'postgres') await sql`vacuum analyze`.execute(storage.db);
  const sample = ids.filter((_, i) => i % Math.max(1, Math.floor(ids.length / 1000)) === 0);
  const logins = (await storage.db.selectFrom('users').select('login').where('id', 'in', sample).execute()).map((r) => r.login);
  await storage.close();
  const { child, base } = await startServer({ SWITCHBOARD_DATABASE_URL: database.url, SWITCHBOARD_LOG_LEVEL: 'warn', SWITCHBOARD_PWNED_URL: '' });
  try {
    const admin = await post(base, '/api/v1/auth/login', { domain: 'default', login: 'admin', password: PASSWORD });
    const created = await post(
      base,
      '/api/v1/me/tokens',
      { name: 'bench', permissions: ['scim:provision', 'profile:read', 'profile:update'] },
      admin.token as string,
    );
    const headers = { authorization: `Bearer ${created.token as string}` };
    const lookups = logins.map((login) => `/scim/v2/default/Users?filter=${encodeURIComponent(`userName eq "${login}"`)}`);
    const reads = sample.map((id) => `/api/v1/domains/default/users/${id}`);
    const adminHeaders = { authorization: `Bearer ${admin.token as string}` };
    const figures = [
      await load(`${engine}: GET /healthz (reference)`, base, ['/healthz'], {}, 1),
      await load(`${engine}: GET /users/{id} (reference)`, base, reads, adminHeaders, 1),
      await load(`${engine}: SCIM GET /Users?filter=userName eq "…"`, base, lookups, headers, 1),
      await load(`${engine}: SCIM GET /Users?filter=userName eq "…"`, base, lookups, headers, 10),
    ];
    for (let round = 0; round < BULK_ROUNDS; round++) figures.push(await bulk(engine, base, headers, round));
    return figures;
  } finally {
    child.kill('SIGTERM');
    await database.drop();
  }
}

async function post(base: string, path: string, body: unknown, token?: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (response.status >= 300) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

/** One Bulk request creating BULK_SIZE users as an identity provider sends them (no passwords, an extension schema absent). */
async function bulk(engine: Engine, base: string, headers: Record<string, string>, round: number): Promise<Figure> {
  const Operations = Array.from({ length: BULK_SIZE }, (_, i) => ({
    method: 'POST',
    path: '/Users',
    bulkId: `u${i}`,
    data: {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: `bulk.${round}.${i}@contoso.com`,
      externalId: `ext-${round}-${i}`,
      name: { givenName: 'Bulk', familyName: `User ${i}` },
      emails: [{ value: `bulk.${round}.${i}@contoso.com`, type: 'work', primary: true }],
      active: true,
    },
  }));
  const started = performance.now();
  const response = await fetch(`${base}/scim/v2/default/Bulk`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/scim+json' },
    body: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations }),
  });
  const answer = (await response.json()) as { Operations: { status: string }[] };
  const seconds = (performance.now() - started) / 1000;
  const failed = answer.Operations.filter((o) => o.status !== '201').length;
  return {
    name: `${engine}: SCIM Bulk of ${BULK_SIZE} user creations, round ${round + 1}`,
    value: `${Math.round(BULK_SIZE / seconds)} users/s (${seconds.toFixed(2)} s)`,
    errors: failed,
  };
}

const figures: Figure[] = [];
for (const engine of (process.env.BENCH_ENGINES ?? 'sqlite,postgres').split(',') as Engine[]) figures.push(...(await benchEngine(engine)));
const lines = [
  `bench/scim — ${new Date().toISOString().slice(0, 10)}, ${USERS} users, ${SECONDS} s each`,
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  '',
  '| measurement | rate | p50 ms | p99 ms | errors |',
  '|---|---:|---:|---:|---:|',
  ...figures.map((f) => `| ${f.name} | ${f.value} | ${f.p50 ?? ''} | ${f.p99 ?? ''} | ${f.errors ?? ''} |`),
];
process.stdout.write(`${lines.join('\n')}\n`);
