/**
 * bench/login: password sign-ins per second with the OWASP argon2id parameters, against a bare
 * argon2 verify loop in the same run (the hash is the only real cost), and the p99 of
 * GET /healthz during the storm (hashing must not block the event loop).
 * Run: npm run bench:login. BENCH_SECONDS shortens a trial run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpus, tmpdir, totalmem } from 'node:os';
import argon2 from 'argon2';
import autocannon from 'autocannon';
import { connect } from '../src/server/db/connect.ts';
import { migrateToLatest } from '../src/server/db/migrate.ts';
import { bootstrapDirectory } from '../src/server/setup/bootstrap.ts';
import { loadConfig } from '../src/server/config.ts';
import { hashPassword } from '../src/server/passwords/hashing.ts';
import { safeguardsFor } from '../src/server/users/safeguards.ts';
import { freshStorage } from '../test/databases.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const PASSWORD = 'Bench-Login-Storm-73!';
/** libuv's thread pool, where argon2 runs, in the server and in the bare loop alike. */
const THREADS = Number(process.env.UV_THREADPOOL_SIZE ?? 4);

async function bareVerifyRate(): Promise<number> {
  const hash = await hashPassword(PASSWORD);
  let done = 0;
  const until = Date.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: THREADS }, async () => {
      while (Date.now() < until) {
        await argon2.verify(hash, PASSWORD);
        done += 1;
      }
    }),
  );
  return done / SECONDS;
}

async function startServer(url: string): Promise<{ child: ChildProcess; base: string }> {
  const env = {
    ...process.env,
    SWITCHBOARD_DATABASE_URL: url,
    SWITCHBOARD_LOG_LEVEL: 'warn',
    SWITCHBOARD_PWNED_URL: '',
    SWITCHBOARD_LOGIN_RATE_LIMIT: '1000000',
    SWITCHBOARD_DATA_DIR: tmpdir(),
  };
  const child = spawn('node', ['--import', 'tsx', 'bench/server.ts'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) => child.stdout?.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())));
  return { child, base: `http://127.0.0.1:${port}` };
}

const database = await freshStorage('sqlite');
const storage = connect(database.url);
await migrateToLatest(storage.db);
await bootstrapDirectory(
  storage.db,
  { login: 'admin', password: PASSWORD },
  safeguardsFor(storage.db, loadConfig({ SWITCHBOARD_PWNED_URL: '', SWITCHBOARD_DATA_DIR: tmpdir() })),
);
await storage.close();

const bare = await bareVerifyRate();
const { child, base } = await startServer(database.url);
try {
  // Health is probed at a steady 50 requests/s, as a monitor would, not as fast as it goes:
  // a flood of probes would itself take the cores the hashing needs.
  const probe = (duration: number) => autocannon({ url: `${base}/healthz`, connections: 1, overallRate: 50, duration });
  const idle = await probe(Math.min(5, SECONDS));
  const storm = autocannon({
    url: `${base}/api/v1/auth/login`,
    method: 'POST',
    connections: 16,
    duration: SECONDS,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ domain: 'default', login: 'admin', password: PASSWORD }),
  });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const health = await probe(SECONDS - 2);
  const logins = await storm;
  const rate = logins.requests.average;
  const lines = [
    `bench/login — ${new Date().toISOString().slice(0, 10)}, ${SECONDS} s, argon2id m=19456 t=2 p=1, ${THREADS} hashing threads`,
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    '',
    '| measurement | figure |',
    '|---|---:|',
    `| bare argon2 verify loop | ${bare.toFixed(1)} /s |`,
    `| POST /auth/login (16 connections, SQLite) | ${rate.toFixed(1)} /s (${Math.round((rate / bare) * 100)}% of bare), ${logins.non2xx + logins.errors} errors |`,
    `| GET /healthz p99, idle | ${idle.latency.p99} ms |`,
    `| GET /healthz p99, during the storm | ${health.latency.p99} ms (p50 ${health.latency.p50} ms) |`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  child.kill('SIGTERM');
  await database.drop();
}
