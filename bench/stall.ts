/**
 * bench/stall: what other requests wait while a CSV import of 100,000 users (bench/import's file)
 * writes on SQLite. Probes run side by side, each one request at a time with a pause between:
 * /healthz, GET /users/{id} with the read cache off, a users-list search, a sign-in, and a SIP
 * REGISTER with MD5 digest over UDP (two round trips, a JS client: test/sip-client.ts). Their
 * latencies are measured first for BENCH_REFERENCE_S seconds with no import (the reference), then
 * for the import's whole run, in the same server process. Target: p99 under 50 ms each during the
 * import. Run: npm run bench:stall (BENCH_IMPORT_ROWS, BENCH_SEED change the sizes;
 * BENCH_SERVER_NODE_ARGS gives the server's node flags, e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`).
 */
import { randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../src/server/config.ts';
import { connect } from '../src/server/db/connect.ts';
import { migrateToLatest } from '../src/server/db/migrate.ts';
import { bootstrapDirectory } from '../src/server/setup/bootstrap.ts';
import { findDomain } from '../src/server/tenancy/domain-record.ts';
import { safeguardsFor } from '../src/server/users/safeguards.ts';
import { freshStorage } from '../test/databases.ts';
import { registerWithDigest } from '../test/sip-client.ts';
import { signIn, uploadCsv, writeCsv } from './import-file.ts';
import { seedUsers } from './seed.ts';
import { spawn } from 'node:child_process';

const PASSWORD = 'Bench-Heron-Quartz-61!';
const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 100_000);
const SEED = Number(process.env.BENCH_SEED ?? 10_000);
const REFERENCE_S = Number(process.env.BENCH_REFERENCE_S ?? 10);
/** Pause between two requests of one probe. */
const PAUSE_MS = 20;

const queries = ['kow', 'anna', 'nowak', 'shev', 'wiś', 'olen', 'smith', 'bond', 'zof', 'tkach'];

interface Sample {
  ms: number;
  ok: boolean;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};

const dir = await mkdtemp(join(tmpdir(), 'bench-stall-'));
const file = join(dir, `users-${ROWS}.csv`);
await writeCsv(file, ROWS);
const database = await freshStorage('sqlite');
const storage = connect(database.url);
await migrateToLatest(storage.db);
await bootstrapDirectory(
  storage.db,
  { login: 'admin', password: PASSWORD },
  safeguardsFor(storage.db, loadConfig({ SWITCHBOARD_PWNED_URL: '', SWITCHBOARD_DATA_DIR: tmpdir() })),
);
const domain = await findDomain(storage.db, 'default');
if (!domain) throw new Error('no default domain');
const ids = await seedUsers(storage.db, domain.id, SEED);
await storage.close();
// bench/server.ts prints its HTTP port and, with BENCH_SIP, its SIP port (server-process.ts keeps only the first).
const child = spawn('node', [...(process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? []), '--import', 'tsx', 'bench/server.ts'], {
  env: {
    ...process.env,
    SWITCHBOARD_DATABASE_URL: database.url,
    SWITCHBOARD_LOG_LEVEL: 'warn',
    SWITCHBOARD_PWNED_URL: '',
    SWITCHBOARD_READ_CACHE_MS: '0',
    SWITCHBOARD_LOGIN_RATE_LIMIT: '1000000',
    BENCH_SIP: '1',
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const [httpPort, sipPort] = await new Promise<[number, number]>((resolve, reject) => {
  child.stdout?.once('data', (chunk: Buffer) => resolve(chunk.toString().trim().split(' ').map(Number) as [number, number]));
  child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
});
const server = { child };
const base = `http://127.0.0.1:${httpPort}`;

const probes: Record<string, () => Promise<boolean>> = {
  '/healthz': async () => (await fetch(`${base}/healthz`)).ok,
  'GET /users/{id} (read cache off)': async () =>
    (await fetch(`${base}/api/v1/domains/default/users/${ids[randomInt(ids.length)]}`, { headers: { authorization: `Bearer ${token}` } })).ok,
  'users-list search': async () =>
    (
      await fetch(`${base}/api/v1/domains/default/users?q=${encodeURIComponent(queries[randomInt(queries.length)] as string)}&limit=50`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).ok,
  'sign-in': async () => {
    const response = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ domain: 'default', login: 'admin', password: PASSWORD }),
    });
    const { token: signedIn } = (await response.json()) as { token?: string };
    // Signed out again, so the sessions do not pile up to the account's limit.
    if (signedIn) await fetch(`${base}/api/v1/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${signedIn}` } });
    return response.ok;
  },
  'SIP REGISTER, MD5 digest (2 round trips)': async () => {
    // Every 50th seeded user is deactivated: left out.
    let n = randomInt(SEED);
    if (n % 50 === 0) n = (n + 1) % SEED;
    const answer = await registerWithDigest(sipPort, {
      user: String(100_000 + n),
      password: `seeded-secret-${n}`,
      host: 'default',
      realm: 'default',
      algorithm: 'MD5',
    });
    return answer.startsWith('SIP/2.0 200');
  },
};

/** Runs every probe until `until` resolves; answers each probe's samples. */
async function measure(until: Promise<unknown>) {
  let running = true;
  void until.finally(() => (running = false));
  const samples = new Map<string, Sample[]>();
  await Promise.all(
    Object.entries(probes).map(async ([name, probe]) => {
      const list: Sample[] = [];
      samples.set(name, list);
      while (running) {
        const started = performance.now();
        const ok = await probe().catch(() => false);
        list.push({ ms: performance.now() - started, ok });
        await sleep(PAUSE_MS);
      }
    }),
  );
  return samples;
}

let token = '';
const lines: string[] = [];
try {
  token = await signIn(base, 'admin', PASSWORD);
  await measure(sleep(2000)); // warm-up: statements prepared, dictionaries loaded
  const reference = await measure(sleep(REFERENCE_S * 1000));
  const load = loadavg()[0]?.toFixed(2);
  let importMs = 0;
  const during = await measure(uploadCsv(base, token, file, ROWS).then((ms) => (importMs = ms)));
  for (const name of Object.keys(probes)) {
    const ref = reference.get(name) ?? [];
    const imp = during.get(name) ?? [];
    const p = (samples: Sample[], q: number) =>
      percentile(
        samples.map((s) => s.ms),
        q,
      );
    const failed = imp.filter((s) => !s.ok).length;
    lines.push(
      `| ${name} | ${p(ref, 50).toFixed(1)} / ${p(ref, 99).toFixed(1)} ms | ${p(imp, 50).toFixed(1)} / ${p(imp, 99).toFixed(1)} / ${Math.max(...imp.map((s) => s.ms)).toFixed(0)} ms | ${(p(imp, 99) / p(ref, 99)).toFixed(1)}× | ${imp.length} (${failed} failed) | ${p(imp, 99) < 50 ? 'yes' : 'NO'} |`,
    );
  }
  process.stdout.write(
    [
      `bench/stall — ${new Date().toISOString().slice(0, 10)}, SQLite, ${SEED.toLocaleString('en')} users seeded; import of ${ROWS.toLocaleString('en')} users took ${Math.round(importMs)} ms (${Math.round(ROWS / (importMs / 1000)).toLocaleString('en')}/s)`,
      `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; load average before the import ${load}`,
      `each probe one request at a time, ${PAUSE_MS} ms apart, all five side by side; reference: ${REFERENCE_S} s with no import, in the same server process`,
      '',
      '| probe | no import: p50 / p99 | during the import: p50 / p99 / max | p99 ratio | requests during | p99 < 50 ms |',
      '|---|---:|---:|---:|---:|---|',
      ...lines,
    ].join('\n') + '\n',
  );
} finally {
  server.child.kill('SIGTERM');
  await database.drop();
  await rm(dir, { recursive: true, force: true });
}
