/**
 * bench/change-feed: what the change feed costs a write, on SQLite and PostgreSQL. Two servers
 * run side by side, one with the feed on and one with it off (SWITCHBOARD_CHANGE_FEED=off, a
 * switch for this benchmark only: the off server writes no change entries and its feed tail finds
 * nothing to read), each on a fresh database. Each takes 4 imports of a CSV of 10,000 users
 * (bench/import's file and upload; BENCH_FEED_IMPORTS), alternating off, on, on, off, …, then 500
 * single creates (POST /users, no password, so hashing does not hide the cost; 20 more first, not
 * counted), one at a time, alternating between the servers: whatever else a shared machine does
 * falls on both alike. The import rate is the median of a server's imports. BENCH_ROUNDS pairs
 * of servers (default 1).
 * Run: npm run bench:feed
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/server/config.ts';
import { connect, type Engine } from '../src/server/db/connect.ts';
import { migrateToLatest } from '../src/server/db/migrate.ts';
import { bootstrapDirectory } from '../src/server/setup/bootstrap.ts';
import { findDomain } from '../src/server/tenancy/domain-record.ts';
import { safeguardsFor } from '../src/server/users/safeguards.ts';
import { freshStorage } from '../test/databases.ts';
import { signIn, uploadCsv, writeCsv } from './import-file.ts';
import { seedUsers } from './seed.ts';
import { startServer } from './server-process.ts';

const PASSWORD = 'Bench-Heron-Quartz-61!';
const ROWS = Number(process.env.BENCH_FEED_ROWS ?? 10_000);
const CREATES = Number(process.env.BENCH_FEED_CREATES ?? 500);
const WARM_UP = 20;
const PAIRS = Number(process.env.BENCH_ROUNDS ?? 1);
/** Imports per server and pair, into the same directory one after the other (10,000 users more each time). */
const IMPORTS = Number(process.env.BENCH_FEED_IMPORTS ?? 4);
const config = loadConfig({ SWITCHBOARD_PWNED_URL: '', SWITCHBOARD_DATA_DIR: tmpdir() });

type Mode = 'on' | 'off';
interface Server {
  base: string;
  token: string;
  stop: () => Promise<void>;
}

async function serve(engine: Engine, mode: Mode): Promise<Server> {
  const database = await freshStorage(engine);
  const storage = connect(database.url);
  await migrateToLatest(storage.db);
  await bootstrapDirectory(storage.db, { login: 'admin', password: PASSWORD }, safeguardsFor(storage.db, config));
  const domain = await findDomain(storage.db, 'default');
  if (!domain) throw new Error('no default domain');
  // The catalogs the file names (groups, skills), as bench/import has them.
  await seedUsers(storage.db, domain.id, 0);
  await storage.close();
  const server = await startServer(database.url, { SWITCHBOARD_CHANGE_FEED: mode });
  return {
    base: server.base,
    token: await signIn(server.base, 'admin', PASSWORD),
    stop: async () => {
      server.child.kill('SIGTERM');
      await new Promise((resolve) => server.child.once('exit', resolve));
      await database.drop();
    },
  };
}

async function create(server: Server, login: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${server.base}/api/v1/domains/default/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
    body: JSON.stringify({ login, firstName: 'Single', lastName: login, roles: ['agent'] }),
  });
  await response.arrayBuffer();
  if (response.status !== 201) throw new Error(`POST /users: ${response.status}`);
  return performance.now() - started;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] as number;
const ms = (n: number) => n.toFixed(2);
const percent = (n: number) => `${n >= 0 ? '+' : ''}${(n * 100).toFixed(1)}%`;

const dir = await mkdtemp(join(tmpdir(), 'bench-feed-'));
const files = Array.from({ length: IMPORTS }, (_, k) => join(dir, `users-${k}.csv`));
for (const [k, file] of files.entries()) await writeCsv(file, ROWS, k * ROWS);
const lines: string[] = [];
try {
  for (const engine of (process.env.BENCH_ENGINES ?? 'sqlite,postgres').split(',') as Engine[]) {
    const importsMs: Record<Mode, number[]> = { on: [], off: [] };
    const createsMs: Record<Mode, number[]> = { on: [], off: [] };
    for (let pair = 0; pair < PAIRS; pair += 1) {
      const servers = { off: await serve(engine, 'off'), on: await serve(engine, 'on') };
      try {
        // Imports in the order off, on, on, off; creates alternate between the two servers, each
        // first half of the time: whatever else the machine does falls on both alike.
        for (const [k, file] of files.entries()) {
          for (const mode of (k % 2 ? ['on', 'off'] : ['off', 'on']) as Mode[])
            importsMs[mode].push(await uploadCsv(servers[mode].base, servers[mode].token, file, ROWS));
        }
        for (let n = 0; n < WARM_UP + CREATES; n += 1) {
          for (const mode of (n % 2 ? ['off', 'on'] : ['on', 'off']) as Mode[]) {
            const ms = await create(servers[mode], `single${pair}x${n}`);
            if (n >= WARM_UP) createsMs[mode].push(ms);
          }
        }
      } finally {
        await servers.off.stop();
        await servers.on.stop();
      }
    }
    const figures = (['off', 'on'] as Mode[]).map((mode) => {
      const sorted = createsMs[mode].sort((a, b) => a - b);
      const imports = importsMs[mode];
      const rates = imports.map((ms) => ROWS / (ms / 1000));
      return {
        mode,
        rate: percentile(
          [...rates].sort((a, b) => a - b),
          50,
        ),
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        imports: rates.map(Math.round),
      };
    });
    const [off, on] = figures as [(typeof figures)[number], (typeof figures)[number]];
    for (const f of figures) {
      lines.push(
        `| ${engine} | feed ${f.mode} | ${Math.round(f.rate).toLocaleString('en')}/s (${f.imports.map((i) => i.toLocaleString('en')).join(', ')}) | ${ms(f.p50)} | ${ms(f.p99)} |`,
      );
    }
    lines.push(
      `| ${engine} | cost of the feed | ${percent(1 - on.rate / off.rate)} of the rate | ${percent(on.p50 / off.p50 - 1)} | ${percent(on.p99 / off.p99 - 1)} |`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
process.stdout.write(
  [
    `bench/change-feed — ${new Date().toISOString().slice(0, 10)}, per pair of servers (feed off, feed on): ${IMPORTS} imports of ${ROWS.toLocaleString('en')} users on each, then ${CREATES} creates on each, alternating between the two; ${PAIRS} pair(s)`,
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    '',
    '| engine | change feed | import, users/s: median (each) | create p50 ms | create p99 ms |',
    '|---|---|---:|---:|---:|',
    ...lines,
  ].join('\n') + '\n',
);
