/**
 * bench/soak: three `switchboard serve` processes on one PostgreSQL and one Redis behind the nginx
 * of docs/deploy, for BENCH_MINUTES (10): BENCH_STREAMS (5,000) agents hold the event stream open
 * beside BENCH_SUPERVISORS (10) supervisors, BENCH_PHONES (10,000) phones re-register every 60 s
 * over UDP, 50 API writes/s change users' descriptions, 20,000 users are imported at minute T/2 - 1,
 * and one process is killed with SIGKILL at minute T/2 and started again on its port. Everything
 * goes through the load balancer (BENCH_WRITES changes the write rate). Reports per minute and checks, by the change feed's numbers, that
 * every stream received every change owed to it, once. Run: npm run bench:soak
 */
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { loadConfig } from '../src/server/config.ts';
import { connect } from '../src/server/db/connect.ts';
import { migrateToLatest } from '../src/server/db/migrate.ts';
import { openSession } from '../src/server/sessions/store.ts';
import { bootstrapDirectory } from '../src/server/setup/bootstrap.ts';
import { findDomain } from '../src/server/tenancy/domain-record.ts';
import { safeguardsFor } from '../src/server/users/safeguards.ts';
import { freshStorage } from '../test/databases.ts';
import { startLoadBalancer, type Backend, type LoadBalancer } from '../test/load-balancer.ts';
import { dropRedisKeys, serveProcess, stopProcesses, type ServeProcess } from '../test/serve-process.ts';
import { seedUsers } from './seed.ts';
import { registerPhones, type PhoneFleet } from './soak-phones.ts';
import { checkDelivery, openStreams, type FedChange, type StreamFleet, type StreamMessage } from './soak-streams.ts';

const MINUTES = Number(process.env.BENCH_MINUTES ?? 10);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 5000);
const SUPERVISORS = Number(process.env.BENCH_SUPERVISORS ?? 10);
const PHONES = Number(process.env.BENCH_PHONES ?? 10_000);
const WRITES_PER_SECOND = Number(process.env.BENCH_WRITES ?? 50);
const IMPORT_ROWS = 20_000;
const REGISTER_EVERY_MS = 60_000;
const PASSWORD = 'Bench-Heron-Quartz-61!';
const REDIS_URL = process.env.SWITCHBOARD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const rssMiB = (pid: number | undefined) => {
  try {
    return Math.round(Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024);
  } catch {
    return NaN;
  }
};
/** A refusal in a few words: a problem's detail and first error, or the start of whatever else came (nginx's HTML). */
const problemOf = (text: string) => {
  try {
    const problem = JSON.parse(text) as { detail?: string; errors?: { path: string; message: string }[] };
    return [problem.detail, problem.errors?.[0] && `${problem.errors[0].path}: ${problem.errors[0].message}`].filter(Boolean).join(' — ');
  } catch {
    return (/<title>([^<]*)</.exec(text)?.[1] ?? text.slice(0, 60)).trim();
  }
};
/** nginx's error log by kind of message (its time, worker and connection numbers, client and request left out), the most frequent first. */
const nginxErrors = (log: string) => {
  const kinds = new Map<string, number>();
  for (const line of log.split('\n').filter(Boolean)) {
    const kind = line
      .replace(/^\S+ \S+ (\[\w+\]) \d+#\d+: (\*\d+ )?/, '$1 ')
      .replace(/, client: .*/, '')
      .replace(/\d+\.\d+\.\d+\.\d+:\d+/g, 'ADDR');
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  return [...kinds]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([kind, n]) => `${kind} × ${n}`)
    .join('; ');
};
const pct = (list: number[], q: number) => [...list].sort((a, b) => a - b)[Math.min(list.length - 1, Math.floor(list.length * q))] ?? NaN;

interface Minute {
  /** Latencies of the writes sent this minute, whenever answered. */
  latencies: number[];
  /** Writes answered this minute, whenever sent: the cluster's throughput. */
  answered: number;
  errors: number;
  errorsInFlight: number;
  registered: number;
  registerFailed: number;
  /** Registrations answered 401 stale=true after their credentials, and sent again. */
  restale: number;
  events: number;
  /** Why writes and registrations failed, with how often. */
  failures: Map<string, number>;
  rss: number[];
}
const newMinute = (): Minute => ({
  latencies: [],
  answered: 0,
  errors: 0,
  errorsInFlight: 0,
  registered: 0,
  registerFailed: 0,
  restale: 0,
  events: 0,
  failures: new Map(),
  rss: [],
});

// Everything started is stopped by `cleanUp`, on the way out, on an error or on Ctrl-C.
const prefix = `sbsoak-${randomBytes(4).toString('hex')}:`;
const servers: ServeProcess[] = [];
let database: Awaited<ReturnType<typeof freshStorage>> | undefined;
let lb: LoadBalancer | undefined;
let fleet: StreamFleet | undefined;
let phones: PhoneFleet | undefined;
const keepAlive = new HttpAgent({ keepAlive: true, maxSockets: 256 });
const timers: NodeJS.Timeout[] = [];
const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-soak-'));
let cleaning: Promise<void> | undefined;
const cleanUp = () =>
  (cleaning ??= (async () => {
    const step = async (what: string, run: () => unknown) => {
      try {
        await run();
      } catch (error) {
        process.stderr.write(`cleaning up, ${what} failed: ${String(error)}\n`);
      }
    };
    for (const timer of timers) clearInterval(timer);
    await step('stopping the phones', () => phones?.stop());
    // Before the processes: a draining process closes its streams with 1012, and they would reconnect.
    await step('closing the streams', () => fleet?.stop());
    keepAlive.destroy();
    await step('stopping the processes', () => stopProcesses(servers));
    await step('stopping nginx', () => lb?.stop());
    await step('dropping the database', () => database?.drop());
    await step('removing the Redis keys', () => dropRedisKeys(REDIS_URL, prefix));
    rmSync(dataDir, { recursive: true, force: true });
  })());
process.once('uncaughtException', (error) => {
  process.stderr.write(`${error.stack ?? String(error)}\nstopping every process and dropping the database\n`);
  void cleanUp().then(() => process.exit(1));
});
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: stopping every process and dropping the database\n`);
    void cleanUp().then(() => process.exit(130));
  });

const say = (text: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${text}\n`);
const loadBefore = loadavg();

try {
  // The directory: seeded straight into the tables (bench/seed.ts), every user with a SIP account.
  database = await freshStorage('postgres');
  const storage = connect(database.url);
  await migrateToLatest(storage.db);
  await bootstrapDirectory(
    storage.db,
    { login: 'admin', password: PASSWORD },
    safeguardsFor(storage.db, loadConfig({ SWITCHBOARD_PWNED_URL: '', SWITCHBOARD_DATA_DIR: dataDir })),
  );
  const domain = await findDomain(storage.db, 'default');
  const seeded = Math.ceil(Math.max(PHONES * 1.03, STREAMS * 1.1)) + 100;
  const ids = await seedUsers(storage.db, domain!.id, seeded);
  await sql`vacuum analyze`.execute(storage.db);
  // Agents: not supervisors (every 20th) and active (not every 50th). Their sessions are minted directly:
  // 5,000 sign-ins would measure argon2, not the soak.
  const agents = ids.flatMap((id, n) => (n % 20 !== 0 && n % 50 !== 0 ? [id] : [])).slice(0, STREAMS);
  const agentTokens: string[] = [];
  for (let i = 0; i < agents.length; i += 500)
    agentTokens.push(...(await Promise.all(agents.slice(i, i + 500).map((id) => openSession(storage.db, id, 86_400, {}).then((s) => s.token)))));
  await storage.close();
  const phoneList = Array.from({ length: seeded }, (_, n) => n)
    .filter((n) => n % 50 !== 0)
    .slice(0, PHONES)
    .map((n) => ({ extension: String(100_000 + n), password: `seeded-secret-${n}` }));
  say(`seeded ${seeded} users; ${agents.length} agents' sessions`);

  const env: NodeJS.ProcessEnv = {
    SWITCHBOARD_DATABASE_URL: database.url,
    SWITCHBOARD_REDIS_URL: REDIS_URL,
    SWITCHBOARD_REDIS_PREFIX: prefix,
    SWITCHBOARD_SECRET_KEY: randomBytes(32).toString('base64'),
    SWITCHBOARD_ADMIN_PASSWORD: PASSWORD,
    SWITCHBOARD_PWNED_URL: '',
    SWITCHBOARD_LOG_LEVEL: 'warn',
    SWITCHBOARD_PORT: '0',
    SWITCHBOARD_SIP_PORT: '0',
    SWITCHBOARD_TRUSTED_PROXIES: '127.0.0.1',
    // Presence events kept for a stream that resumes with `since`: the first minute alone brings
    // thousands (phones registering, agents coming online).
    SWITCHBOARD_EVENT_BUFFER: '50000',
    SWITCHBOARD_DRAIN_MS: '5000',
    SWITCHBOARD_DATA_DIR: dataDir,
  };
  servers.push(await serveProcess(env));
  servers.push(...(await Promise.all([serveProcess(env), serveProcess(env)])));
  lb = await startLoadBalancer(servers.map((s) => ({ http: new URL(s.url).host, sip: `127.0.0.1:${s.sipPort}` })) as [Backend, Backend, Backend]);
  const base = lb.url;
  const signedIn = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ domain: 'default', login: 'admin', password: PASSWORD }),
  });
  const admin = ((await signedIn.json()) as { token: string }).token;
  // bench/seed.ts tags users straight in their table; a write checks a user's tags against the catalog.
  for (const name of ['vip', 'night', 'sales', 'support', 'polish', 'english', 'ukrainian']) {
    const tag = await fetch(`${base}/api/v1/domains/default/tags`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ name }),
    });
    if (tag.status !== 201) throw new Error(`tag ${name} not made: ${tag.status} ${await tag.text()}`);
  }
  say(`three processes and nginx up; opening ${agents.length} + ${SUPERVISORS} event streams`);

  let minute = newMinute();
  const minutes: Minute[] = [];
  const jobs = new Map<string, { state: string; data: any }>();
  const onMessage = (message: StreamMessage) => {
    minute.events += 1;
    if (message.type === 'job') jobs.set(message.data.id, { state: message.data.state, data: message.data });
  };
  fleet = await openStreams(
    base,
    'default',
    [
      ...agents.map((id, i) => ({ token: agentTokens[i] as string, userId: id })),
      ...Array.from({ length: SUPERVISORS }, () => ({ token: admin, userId: null })),
    ],
    onMessage,
  );
  say('streams open; phones start registering, writes start');

  const started = Date.now();
  const failed = (counted: Minute, why: string) => counted.failures.set(why, (counted.failures.get(why) ?? 0) + 1);
  phones = registerPhones(
    lb.sipPort,
    phoneList,
    REGISTER_EVERY_MS,
    (failure) => {
      if (failure === null) minute.registered += 1;
      else {
        minute.registerFailed += 1;
        failed(minute, `REGISTER: ${failure}`);
      }
    },
    () => (minute.restale += 1),
  );

  // The writes: a steady 50/s, each to the next agent's description (an event owed to its stream).
  let killedAt = Infinity;
  let sent = 0;
  let inFlight = 0;
  const write = () => {
    const id = agents[sent % agents.length] as string;
    const body = JSON.stringify({ description: `soak write ${sent}` });
    sent += 1;
    inFlight += 1;
    const at = Date.now();
    const counted = minute;
    const done = (failure: string | null) => {
      inFlight -= 1;
      minute.answered += 1;
      if (failure === null) return counted.latencies.push(Date.now() - at);
      failed(counted, `PATCH: ${failure}`);
      // In flight on the killed process: sent before the kill, failed after it.
      if (at <= killedAt && Date.now() >= killedAt) counted.errorsInFlight += 1;
      else counted.errors += 1;
    };
    const request = httpRequest(
      `${base}/api/v1/domains/default/users/${id}`,
      {
        method: 'PATCH',
        agent: keepAlive,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${admin}` },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.once('end', () => done(response.statusCode === 200 ? null : `${response.statusCode} ${problemOf(text)}`));
      },
    );
    request.once('error', (error) => done(error.message));
    request.end(body);
  };
  const writing = setInterval(() => {
    const due = Math.floor(((Date.now() - started) / 1000) * WRITES_PER_SECOND) - sent;
    for (let k = 0; k < due; k += 1) write();
  }, 20);
  timers.push(writing);

  const importAt = Math.max(0, MINUTES / 2 - 1) * 60_000;
  const killAt = (MINUTES / 2) * 60_000;
  let importJob: { id: string; startedAt: number; answered: number } | undefined;
  const victim = 1;
  let restartMs = NaN;
  const until = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, started + ms - Date.now())));
  const closeMinute = () => {
    minute.rss = servers.map((s) => rssMiB(s.child.pid));
    minutes.push(minute);
    if (minute.failures.size) say(`  failures: ${[...minute.failures].map(([why, n]) => `${why} × ${n}`).join('; ')}`);
    say(
      `minute ${minutes.length}: ${minute.answered} writes answered, ${minute.errors}+${minute.errorsInFlight} errors, ` +
        `${minute.registered}/${minute.registerFailed} registrations, ${minute.events} events, RSS ${minute.rss.join('/')} MiB`,
    );
    minute = newMinute();
  };
  const minuteTimer = setInterval(closeMinute, 60_000);
  timers.push(minuteTimer);

  const importing = (async () => {
    await until(importAt);
    const rows = ['login,firstName,lastName', ...Array.from({ length: IMPORT_ROWS }, (_, i) => `soak.import.${i},Soak,Import ${i}`)].join('\n');
    const startedAt = Date.now();
    const answer = await fetch(`${base}/api/v1/domains/default/users/import`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', authorization: `Bearer ${admin}`, prefer: 'respond-async' },
      body: rows,
    });
    const job = (await answer.json()) as { id?: string };
    if (answer.status !== 202 || !job.id) throw new Error(`the import was not accepted: ${answer.status} ${JSON.stringify(job)}`);
    importJob = { id: job.id, startedAt, answered: Date.now() - startedAt };
    say(`import ${job.id} accepted in ${importJob.answered} ms`);
  })();
  const killing = (async () => {
    // A second past the minute's end: that minute's memory is read before.
    await until(killAt + 1000);
    const dead = servers[victim] as ServeProcess;
    killedAt = Date.now();
    dead.child.kill('SIGKILL');
    await once(dead.child, 'exit');
    servers[victim] = await serveProcess({ ...env, SWITCHBOARD_PORT: new URL(dead.url).port, SWITCHBOARD_SIP_PORT: String(dead.sipPort) });
    restartMs = Date.now() - killedAt;
    say(`process ${victim + 1} killed and started again on its port in ${restartMs} ms`);
  })();
  await until(MINUTES * 60_000);
  clearInterval(minuteTimer);
  closeMinute();
  await Promise.all([importing, killing]);
  clearInterval(writing);
  phones.stop();

  // The import is followed to its end by its `job` events, which every process relays.
  const importState = async () => (importJob ? jobs.get(importJob.id)?.state : undefined);
  for (const deadline = Date.now() + 300_000; (await importState()) === 'running' && Date.now() < deadline;)
    await new Promise((resolve) => setTimeout(resolve, 500));
  const job = importJob ? jobs.get(importJob.id) : undefined;
  const importSeconds = job?.data.finishedAt ? (Date.parse(job.data.finishedAt) - (importJob?.startedAt ?? 0)) / 1000 : NaN;

  // The feed from the first position any stream joined at, to its end, once the writes in flight returned.
  for (const deadline = Date.now() + 10_000; inFlight > 0 && Date.now() < deadline;) await new Promise((resolve) => setTimeout(resolve, 100));
  const from = Math.min(...fleet.streams.map((s) => s.start ?? Infinity));
  const feed: FedChange[] = [];
  for (let after = from; ;) {
    const page = await fetch(`${base}/api/v1/domains/default/changes?after=${after}&limit=1000`, { headers: { authorization: `Bearer ${admin}` } });
    const { items } = (await page.json()) as { items: { seq: number; resource: { type: string; id: string } }[] };
    feed.push(...items.map((c) => ({ seq: c.seq, userId: c.resource.type === 'user' ? c.resource.id : null })));
    if (items.length < 1000) break;
    after = items.at(-1)?.seq as number;
  }
  // Until every supervisor has the feed's last change (or 30 s), then a moment for the agents.
  const last = feed.at(-1)?.seq ?? 0;
  const supervisors = fleet.streams.filter((s) => s.userId === null);
  for (const deadline = Date.now() + 30_000; supervisors.some((s) => (s.changes.at(-1) ?? 0) < last) && Date.now() < deadline;)
    await new Promise((resolve) => setTimeout(resolve, 200));
  await new Promise((resolve) => setTimeout(resolve, 2000));
  fleet.stop();
  const agentsChecked = checkDelivery(
    fleet.streams.filter((s) => s.userId !== null),
    feed,
  );
  const supervisorsChecked = checkDelivery(supervisors, feed);
  const resyncs = fleet.streams.reduce((n, s) => n + s.resyncs, 0);
  const reconnects = fleet.streams.reduce((n, s) => n + s.reconnects, 0);

  // Memory: each process's growth from the end of minute 2 to the end; the restarted one after its own first two minutes.
  const killMinute = Math.floor(killAt / 60_000);
  const growth = servers.map((_, p) => {
    const from = p === victim ? killMinute + 1 : 1;
    const first = minutes[from]?.rss[p];
    const end = minutes.at(-1)?.rss[p];
    return first && end && from < minutes.length - 1 ? ((end - first) / first) * 100 : NaN;
  });
  const errors = minutes.reduce((n, m) => n + m.errors, 0);
  const errorsInFlight = minutes.reduce((n, m) => n + m.errorsInFlight, 0);
  const all = minutes.flatMap((m) => m.latencies);
  const failures = new Map<string, number>();
  for (const m of minutes) for (const [why, n] of m.failures) failures.set(why, (failures.get(why) ?? 0) + n);
  const percent = (value: number) => (Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${value.toFixed(1)}%` : 'n/a (run too short)');

  const lines = [
    `bench/soak — ${new Date().toISOString().slice(0, 16)}Z, ${MINUTES} min, 3 processes behind nginx (docs/deploy/nginx.conf), PostgreSQL + Redis`,
    `load: ${agents.length} agents' + ${SUPERVISORS} supervisors' event streams, ${phoneList.length} phones re-registering every ${REGISTER_EVERY_MS / 1000} s over UDP, ${WRITES_PER_SECOND} PATCH/s, import of ${IMPORT_ROWS} users at minute ${importAt / 60_000}, process ${victim + 1} SIGKILLed at minute ${killAt / 60_000}`,
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} before, ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} after`,
    '',
    '| minute | writes sent, answered OK | p50 ms | p99 ms | writes answered in the minute | errors (+ in flight on the killed process) | registrations OK / failed | events delivered | RSS MiB (1 / 2 / 3) |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...minutes.map(
      (m, i) =>
        `| ${i + 1} | ${m.latencies.length} | ${pct(m.latencies, 0.5)} | ${pct(m.latencies, 0.99)} | ${m.answered} | ${m.errors} (+${m.errorsInFlight}) | ${m.registered} / ${m.registerFailed} | ${m.events} | ${m.rss.join(' / ')} |`,
    ),
    '',
    '| measurement | figure |',
    '|---|---:|',
    `| directory changes owed to agents' streams / lost / received twice (streams losing any) | ${agentsChecked.owed} / **${agentsChecked.lost}** / ${agentsChecked.repeated} (${agentsChecked.streamsLosing}) |`,
    `| directory changes owed to supervisors' streams / lost / received twice | ${supervisorsChecked.owed} / **${supervisorsChecked.lost}** / ${supervisorsChecked.repeated} |`,
    `| reconnections; resumes answered "too many missed, re-read" | ${reconnects}; ${resyncs} |`,
    `| API writes: sent / errors other than in flight on the killed process / in flight / unanswered at the end | ${sent} / **${errors}** / ${errorsInFlight} / ${inFlight} |`,
    `| registrations told stale=true after their credentials (and sent again) | ${minutes.reduce((n, m) => n + m.restale, 0)} |`,
    `| API writes p50 / p99 / max over the run | ${pct(all, 0.5)} / ${pct(all, 0.99)} / ${pct(all, 1)} ms |`,
    `| import of ${IMPORT_ROWS} users: state, created, seconds to its end | ${job?.state ?? 'no job event'}, ${job?.data.result?.created ?? job?.data.progress?.created ?? '?'}, ${importSeconds.toFixed(1)} |`,
    `| killed process back (started, registrar listening) after | ${restartMs} ms |`,
    `| why writes and registrations failed | ${[...failures].map(([why, n]) => `${why} × ${n}`).join('; ') || 'none'} |`,
    `| RSS growth after minute 2 (1 / 2, restarted: after its own first two / 3) | ${growth.map(percent).join(' / ')} |`,
    `| nginx's error log, by kind | ${nginxErrors(lb.errorLog()) || 'empty'} |`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  // Events lost fail the run, as a test would.
  if (agentsChecked.lost + supervisorsChecked.lost > 0) process.exitCode = 1;
} finally {
  await cleanUp();
}
