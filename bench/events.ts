/**
 * bench/events: 5,000 agents hold the live event stream open (each sees its own events) beside 10
 * supervisors (who see everybody's); 500 status changes per second for 30 s go through the API.
 * Measures delivery latency (from the change in the engine to the client) and the server's memory
 * per connection. Run: npm run bench:events   (BENCH_CLIENTS, BENCH_RATE, BENCH_SECONDS change it)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { cpus, tmpdir, totalmem } from 'node:os';
import { WebSocket } from 'ws';
import { openSession } from '../src/server/sessions/store.ts';
import { loadConfig } from '../src/server/config.ts';
import { connect } from '../src/server/db/connect.ts';
import { migrateToLatest } from '../src/server/db/migrate.ts';
import { bootstrapDirectory } from '../src/server/setup/bootstrap.ts';
import { findDomain } from '../src/server/tenancy/domain-record.ts';
import { safeguardsFor } from '../src/server/users/safeguards.ts';
import { freshStorage } from '../test/databases.ts';
import { seedUsers } from './seed.ts';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 5000);
const SUPERVISORS = 10;
const RATE = Number(process.env.BENCH_RATE ?? 500);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const PASSWORD = 'Bench-Heron-Quartz-61!';

const rss = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;

async function startServer(url: string): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn('node', ['--import', 'tsx', 'bench/server.ts'], {
    env: { ...process.env, SWITCHBOARD_DATABASE_URL: url, SWITCHBOARD_LOG_LEVEL: 'warn', SWITCHBOARD_PWNED_URL: '', SWITCHBOARD_LOGIN_RATE_LIMIT: '1000000' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout?.once('data', (chunk: Buffer) => resolve(chunk.toString().trim().split(' ')[0] as string));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
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
const domain = await findDomain(storage.db, 'default');
// Agents are the seeded users that are not supervisors (every 20th) and are active (not every 50th).
const ids = (await seedUsers(storage.db, domain!.id, Math.ceil(CLIENTS * 1.1) + SUPERVISORS * 20)).filter((_, n) => n % 20 !== 0 && n % 50 !== 0);
const agents = ids.slice(0, CLIENTS);
// Sessions are minted directly: signing 5,000 users in would measure argon2, not events.
const tokens = await Promise.all(agents.map((id) => openSession(storage.db, id, 86_400, {}).then((s) => s.token)));
const adminToken = (
  await openSession(storage.db, (await storage.db.selectFrom('users').select('id').where('login', '=', 'admin').executeTakeFirstOrThrow()).id, 86_400, {})
).token;
await storage.close();

const server = await startServer(database.url);
const before = rss(server.child.pid as number);
const latencies: number[] = [];
const sockets: WebSocket[] = [];
/** Resolves once the stream's snapshot arrived: from then on every change reaches it as an event. */
const open = (token: string, onEvent: (event: { type: string; data: { status?: { since: string } } }) => void) =>
  new Promise<WebSocket>((resolve, reject) => {
    const socket = new WebSocket(`${server.base.replace('http', 'ws')}/api/v1/domains/default/events`, { headers: { authorization: `Bearer ${token}` } });
    socket.on('message', (data) => {
      const event = JSON.parse(data.toString());
      if (event.type === 'snapshot') resolve(socket);
      else onEvent(event);
    });
    socket.once('error', reject);
  });
const measure = (event: { type: string; data: { status?: { since: string } } }) => {
  if (event.type === 'presence' && event.data.status && event.data.status.since) latencies.push(Date.now() - Date.parse(event.data.status.since));
};
for (let i = 0; i < agents.length; i += 250)
  sockets.push(...(await Promise.all(agents.slice(i, i + 250).map((_, j) => open(tokens[i + j] as string, measure)))));
const supervisorLatencies: number[] = [];
for (let i = 0; i < SUPERVISORS; i += 1) {
  sockets.push(
    await open(
      adminToken,
      (event) => event.type === 'presence' && event.data.status && supervisorLatencies.push(Date.now() - Date.parse(event.data.status.since)),
    ),
  );
}
await new Promise((resolve) => setTimeout(resolve, 2000));
const connected = rss(server.child.pid as number);

// The changes: each agent's own status flips, sent by an administrator at a steady rate.
// An administrator's console or a routing engine: a few kept-alive connections, requests queued on them.
const keepAlive = new HttpAgent({ keepAlive: true, maxSockets: 32 });
let sent = 0;
let failed = 0;
const failures = new Map<string, number>();
const fail = (why: string) => {
  failed += 1;
  failures.set(why, (failures.get(why) ?? 0) + 1);
};
const statuses = ['available', 'dnd', 'break'] as const;
const started = Date.now();
latencies.length = 0;
supervisorLatencies.length = 0;
await new Promise<void>((resolve) => {
  const tick = setInterval(() => {
    const due = Math.floor(((Date.now() - started) / 1000) * RATE) - sent;
    for (let k = 0; k < due; k += 1) {
      const id = agents[(sent * 7919) % agents.length] as string;
      const status = statuses[sent % statuses.length];
      sent += 1;
      const body = JSON.stringify({ status });
      const request = httpRequest(
        `${server.base}/api/v1/domains/default/users/${id}/status`,
        {
          method: 'PUT',
          agent: keepAlive,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${adminToken}` },
        },
        (response) => {
          if (response.statusCode !== 200) fail(String(response.statusCode));
          response.resume();
        },
      );
      request.on('error', (error) => fail(error.message));
      request.end(body);
    }
    if (Date.now() - started >= SECONDS * 1000) {
      clearInterval(tick);
      resolve();
    }
  }, 10);
});
await new Promise((resolve) => setTimeout(resolve, 2000));
for (const socket of sockets) socket.terminate();
keepAlive.destroy();
server.child.kill('SIGTERM');
await database.drop();

const pct = (list: number[], q: number) => [...list].sort((a, b) => a - b)[Math.min(list.length - 1, Math.floor(list.length * q))] ?? NaN;
const lines = [
  `bench/events — ${new Date().toISOString().slice(0, 10)}, ${CLIENTS} agents + ${SUPERVISORS} supervisors connected, ${RATE} status changes/s for ${SECONDS} s (SQLite)`,
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  '',
  '| measurement | figure |',
  '|---|---:|',
  `| status changes sent / failed | ${sent} / ${failed}${failed ? ` (${[...failures].map(([why, n]) => `${why}: ${n}`).join(', ')})` : ''} |`,
  `| events delivered to agents (own) | ${latencies.length} |`,
  `| agent delivery latency p50 / p99 / max | ${pct(latencies, 0.5)} / ${pct(latencies, 0.99)} / ${pct(latencies, 1)} ms |`,
  `| events delivered to supervisors (everyone's) | ${supervisorLatencies.length} |`,
  `| supervisor delivery latency p50 / p99 | ${pct(supervisorLatencies, 0.5)} / ${pct(supervisorLatencies, 0.99)} ms |`,
  `| server memory: idle → ${CLIENTS + SUPERVISORS} connections | ${Math.round(before / 2 ** 20)} → ${Math.round(connected / 2 ** 20)} MiB |`,
  `| memory per connection | ${Math.round((connected - before) / (CLIENTS + SUPERVISORS) / 1024)} KiB |`,
];
process.stdout.write(`${lines.join('\n')}\n`);
