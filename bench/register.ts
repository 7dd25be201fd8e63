/**
 * bench/register: SIPp registering phones with MD5 digest over UDP against a directory of
 * 100,000 users (PostgreSQL), on Switchboard's registrar and, in the same run, on Debian's Kamailio
 * with auth_db on the sip_subscriber view (docs/kamailio.md). Each registration is two round trips
 * (REGISTER, 401 challenge, REGISTER with credentials, 200). Run: npm run bench:register
 * BENCH_USERS, BENCH_CALLS and BENCH_RATES shorten or change a run; BENCH_KAMAILIO=0 leaves Kamailio out.
 * BENCH_BASELINE=DIR also runs the Switchboard of another checkout (an older commit) on the same
 * database, first, so a change is measured against its predecessor in the same conditions.
 * BENCH_SERVER_FLAGS adds node flags to the server (e.g. --trace-gc; its output goes to stderr).
 * Each Switchboard rate also reports the server's event-loop delay (p99, max) and time in GC, from
 * its /metrics (the loop-delay histogram restarts at each scrape).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { loadConfig } from '../src/server/config.ts';
import { connect } from '../src/server/db/connect.ts';
import { migrateToLatest } from '../src/server/db/migrate.ts';
import { bootstrapDirectory } from '../src/server/setup/bootstrap.ts';
import { findDomain } from '../src/server/tenancy/domain-record.ts';
import { safeguardsFor } from '../src/server/users/safeguards.ts';
import { freshStorage } from '../test/databases.ts';
import { seedUsers } from './seed.ts';

const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const CALLS = Number(process.env.BENCH_CALLS ?? 30_000);
const RATES = (process.env.BENCH_RATES ?? '2000,3000,4000').split(',').map(Number);

const scenario = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="register">
  <send retrans="500" start_rtd="1"><![CDATA[
REGISTER sip:[field2] SIP/2.0
Via: SIP/2.0/UDP [local_ip]:[local_port];branch=[branch]
From: <sip:[field0]@[field2]>;tag=[call_number]
To: <sip:[field0]@[field2]>
Call-ID: [call_id]
CSeq: 1 REGISTER
Contact: <sip:[field0]@[local_ip]:[local_port]>
Max-Forwards: 70
Expires: 3600
Content-Length: 0

]]></send>
  <recv response="401" auth="true"/>
  <send retrans="500"><![CDATA[
REGISTER sip:[field2] SIP/2.0
Via: SIP/2.0/UDP [local_ip]:[local_port];branch=[branch]
From: <sip:[field0]@[field2]>;tag=[call_number]
To: <sip:[field0]@[field2]>
Call-ID: [call_id]
CSeq: 2 REGISTER
Contact: <sip:[field0]@[local_ip]:[local_port]>
[field1]
Max-Forwards: 70
Expires: 3600
Content-Length: 0

]]></send>
  <recv response="200" rtd="1"/>
</scenario>
`;

interface Figure {
  target: string;
  rate: number;
  succeeded: number;
  failed: number;
  perSecond: number;
  p50: number;
  p99: number;
  /**
   * The server's own view of the rate (Switchboard only): event-loop delay p99 and max, time in GC (ms), heap used after it (MB),
   * and its CPU time (user + system, from /proc) per registration in microseconds.
   */
  loop?: { p99: number; max: number; gc: number; heap: number; cpu: number };
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** One SIPp run at `rate` registrations per second; response times from its rtt trace. */
async function sipp(target: string, port: number, rate: number, dir: string, offset: number, calls = CALLS): Promise<Figure> {
  const run = mkdtempSync(join(dir, 'run-'));
  writeFileSync(join(run, 'register.xml'), scenario);
  // Every 50th seeded user is deactivated (and refused): they are left out.
  const users = Array.from({ length: calls }, (_, i) => {
    let n = (offset + i) % USERS;
    if (n % 50 === 0) n = (n + 1) % USERS;
    return `${100_000 + n};[authentication username=${100_000 + n} password=seeded-secret-${n}];default`;
  });
  writeFileSync(join(run, 'users.csv'), `SEQUENTIAL\n${users.join('\n')}\n`);
  const started = Date.now();
  const output = await new Promise<string>((resolve) => {
    execFile(
      'sipp',
      [
        `127.0.0.1:${port}`,
        '-sf',
        'register.xml',
        '-inf',
        'users.csv',
        '-m',
        String(calls),
        '-r',
        String(rate),
        '-l',
        '5000',
        '-t',
        'u1',
        '-i',
        '127.0.0.1',
        '-p',
        '0',
        '-nostdin',
        '-trace_rtt',
        '-rtt_freq',
        '1',
        '-timeout',
        '120s',
        '-max_recv_loops',
        '10000',
        '-max_sched_loops',
        '10000',
      ],
      { cwd: run, timeout: 180_000, maxBuffer: 64 * 2 ** 20 },
      (_error, stdout, stderr) => resolve(`${stdout}\n${stderr}`),
    );
  });
  const seconds = (Date.now() - started) / 1000;
  const count = (label: string) => Number(new RegExp(`${label}\\s*\\|\\s*\\d+\\s*\\|\\s*(\\d+)`).exec(output)?.[1] ?? 0);
  const rttFile = readdirSync(run).find((f) => f.endsWith('_rtt.csv'));
  const times = rttFile
    ? readFileSync(join(run, rttFile), 'utf8')
        .split('\n')
        .slice(1)
        .map((line) => Number(line.split(';')[1]))
        .filter((t) => Number.isFinite(t))
        .sort((a, b) => a - b)
    : [];
  rmSync(run, { recursive: true, force: true });
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(times.length * q))] ?? NaN;
  const succeeded = count('Successful call');
  return { target, rate, succeeded, failed: count('Failed call'), perSecond: Math.round(succeeded / seconds), p50: at(0.5), p99: at(0.99) };
}

async function startSwitchboard(url: string, tree: string): Promise<{ child: ChildProcess; httpPort: number; sipPort: number }> {
  // BENCH_PROFILE=dir writes a CPU profile of the server there.
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE] : [];
  const flags = (process.env.BENCH_SERVER_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawn('node', [...profile, ...flags, '--import', 'tsx', 'bench/server.ts'], {
    cwd: tree,
    env: { ...process.env, SWITCHBOARD_DATABASE_URL: url, SWITCHBOARD_LOG_LEVEL: 'warn', SWITCHBOARD_PWNED_URL: '', BENCH_SIP: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // The ports come as one line of two numbers; anything else the server prints (--trace-gc) is passed on.
  const ports = await new Promise<number[]>((resolve, reject) => {
    let pending = '';
    let found = false;
    child.stdout?.on('data', (chunk: Buffer) => {
      if (found) return void process.stderr.write(chunk);
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (found || !/^\d+ \d+$/.test(line.trim())) {
          process.stderr.write(`${line}\n`);
          continue;
        }
        found = true;
        resolve(line.trim().split(' ').map(Number));
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { child, httpPort: ports[0] as number, sipPort: ports[1] as number };
}

/** The server's event-loop delay since the last scrape, and its time in GC so far (from /metrics, allowed from loopback). */
async function serverLoop(httpPort: number): Promise<{ p99: number; max: number; gcTotal: number; heap: number }> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  const gcTotal = [...text.matchAll(/^nodejs_gc_duration_seconds_sum\{[^}]*\} (\S+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
  return {
    p99: value('nodejs_eventloop_lag_p99_seconds') * 1000,
    max: value('nodejs_eventloop_lag_max_seconds') * 1000,
    gcTotal: gcTotal * 1000,
    heap: value('nodejs_heap_size_used_bytes') / 2 ** 20,
  };
}

/** CPU time (user + system) of a process so far, in ms, from /proc (Linux); NaN elsewhere. */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime are the stat line's 14th and 15th fields, in clock ticks (100 per second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

/** Every rate on one Switchboard (the checkout in `tree`): a warm-up, then each rate with the server's loop figures. */
async function runSwitchboard(label: string, tree: string, url: string, dir: string, offset: number): Promise<number> {
  const switchboard = await startSwitchboard(url, tree);
  await sipp('warm-up', switchboard.sipPort, 1000, dir, 0, WARM_UP);
  for (const rate of RATES) {
    const before = await serverLoop(switchboard.httpPort);
    const cpuBefore = cpuMs(switchboard.child.pid);
    const figure = await sipp(label, switchboard.sipPort, rate, dir, offset);
    const cpu = cpuMs(switchboard.child.pid) - cpuBefore;
    const after = await serverLoop(switchboard.httpPort);
    figures.push({
      ...figure,
      loop: {
        p99: Math.round(after.p99),
        max: Math.round(after.max),
        gc: Math.round(after.gcTotal - before.gcTotal),
        heap: Math.round(after.heap),
        cpu: Math.round((cpu * 1000) / Math.max(1, figure.succeeded)),
      },
    });
    offset += CALLS;
  }
  switchboard.child.kill('SIGTERM');
  await once(switchboard.child, 'exit');
  return offset;
}

async function startKamailio(url: string, dir: string): Promise<{ child: ChildProcess; port: number } | null> {
  const available = await new Promise<boolean>((resolve) =>
    spawn('kamailio', ['-v'])
      .on('error', () => resolve(false))
      .on('exit', (code) => resolve(code === 0)),
  );
  if (!available) return null;
  const port = await freePort();
  const documented = /```kamailio\n([\s\S]*?)```/.exec(readFileSync('docs/kamailio.md', 'utf8'))?.[1] as string;
  // Four workers: the same two cores, but a worker waiting on PostgreSQL does not hold the others.
  writeFileSync(
    join(dir, 'kamailio.cfg'),
    documented.replace('LISTEN', `udp:127.0.0.1:${port}`).replace('DB_URL', url).replace('children=2', 'children=4').replace('debug=1', 'debug=0'),
  );
  const child = spawn('kamailio', ['-f', join(dir, 'kamailio.cfg'), '-DD', '-E', '-P', join(dir, 'kamailio.pid'), '-Y', dir, '-m', '256'], { stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 1500));
  return child.exitCode === null ? { child, port } : null;
}

// Each registrar first takes 5,000 registrations at 1,000/s (JIT, caches, connections), not counted.
const WARM_UP = 5000;
// The machine's load (1-minute average) at the start and the end: a shared machine's runs are compared by it.
const loadAtStart = loadavg()[0] as number;
const database = await freshStorage('postgres');
const dir = mkdtempSync(join(tmpdir(), 'bench-register-'));
const figures: Figure[] = [];
try {
  const storage = connect(database.url);
  await migrateToLatest(storage.db);
  await bootstrapDirectory(
    storage.db,
    { login: 'admin', password: 'Bench-Heron-Quartz-61!' },
    safeguardsFor(storage.db, loadConfig({ SWITCHBOARD_PWNED_URL: '', SWITCHBOARD_DATA_DIR: tmpdir() })),
  );
  const domain = await findDomain(storage.db, 'default');
  await seedUsers(storage.db, domain!.id, USERS);
  await sql`vacuum analyze`.execute(storage.db);
  await storage.close();
  process.stderr.write(`seeded ${USERS} users\n`);

  let offset = WARM_UP;
  if (process.env.BENCH_BASELINE) offset = await runSwitchboard('Switchboard (before)', process.env.BENCH_BASELINE, database.url, dir, offset);
  offset = await runSwitchboard('Switchboard', '.', database.url, dir, offset);

  const kamailio = process.env.BENCH_KAMAILIO === '0' ? null : await startKamailio(database.url, dir);
  if (kamailio) {
    await sipp('warm-up', kamailio.port, 1000, dir, 0, WARM_UP);
    for (const rate of RATES) {
      figures.push(await sipp('Kamailio 5.6 (auth_db on sip_subscriber)', kamailio.port, rate, dir, offset));
      offset += CALLS;
    }
    kamailio.child.kill('SIGTERM');
    await once(kamailio.child, 'exit');
  } else {
    process.stderr.write('Kamailio is not installed: no reference figures\n');
  }
} finally {
  await database.drop();
  rmSync(dir, { recursive: true, force: true });
}

const lines = [
  `bench/register — ${new Date().toISOString().slice(0, 10)}, ${USERS} users on PostgreSQL, ${CALLS} registrations per rate, SIPp over UDP, MD5 digest`,
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${loadAtStart.toFixed(1)} → ${(loadavg()[0] as number).toFixed(1)}`,
  '',
  '| registrar | offered /s | succeeded | failed | registrations/s | p50 ms | p99 ms | server loop delay p99 / max ms | server GC ms | server heap MB | server CPU µs per registration |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...figures.map(
    (f) =>
      `| ${f.target} | ${f.rate} | ${f.succeeded} | ${f.failed} | ${f.perSecond} | ${f.p50} | ${f.p99} | ${f.loop ? `${f.loop.p99} / ${f.loop.max}` : '—'} | ${f.loop?.gc ?? '—'} | ${f.loop?.heap ?? '—'} | ${f.loop?.cpu ?? '—'} |`,
  ),
];
process.stdout.write(`${lines.join('\n')}\n`);
