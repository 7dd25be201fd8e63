/**
 * bench/webhooks: webhook deliveries per second to a local receiver, on SQLite and PostgreSQL,
 * against a reference measured in the same run: the same receiver hit by a plain loop of HTTP
 * POSTs from Node (keep-alive, as many in flight as the server gives one subscription).
 * 10,000 users are created by one range request while the subscription is off; turning it on
 * starts the clock, the receiver's 10,000th delivery stops it.
 * Run: npm run bench:webhooks
 */
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/server/config.ts';
import { connect, type Engine } from '../src/server/db/connect.ts';
import { migrateToLatest } from '../src/server/db/migrate.ts';
import { bootstrapDirectory } from '../src/server/setup/bootstrap.ts';
import { safeguardsFor } from '../src/server/users/safeguards.ts';
import { freshStorage } from '../test/databases.ts';
import { startServer } from './server-process.ts';

const PASSWORD = 'Bench-Heron-Quartz-61!';
const DELIVERIES = 10_000;
const config = loadConfig({ SWITCHBOARD_PWNED_URL: '', SWITCHBOARD_DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-webhooks-')) });
/** What one subscription may have in flight with the default SWITCHBOARD_WEBHOOK_CONCURRENCY. */
const IN_FLIGHT = Math.ceil(config.webhooks.concurrency / 4);
Object.assign(process.env, { SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE: 'true', SWITCHBOARD_DATA_DIR: config.dataDir });

let received = 0;
let waiting: { count: number; done: () => void } | null = null;
const receiver = http.createServer((request, response) => {
  request.resume();
  request.once('end', () => {
    response.writeHead(204).end();
    received += 1;
    if (waiting && received >= waiting.count) waiting.done();
  });
});
receiver.listen(0, '127.0.0.1');
await once(receiver, 'listening');
const target = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
const reached = (count: number) => new Promise<void>((resolve) => (received >= count ? resolve() : (waiting = { count, done: resolve })));

/** The reference: POSTs of a delivery-sized body from a plain loop, IN_FLIGHT at a time. */
async function plainLoop(count: number): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  const body = JSON.stringify({
    type: 'user.created',
    timestamp: new Date().toISOString(),
    data: {
      domain: 'default',
      seq: 1,
      resource: { type: 'user', id: '0190f6a2-0000-7000-8000-000000000000' },
      action: 'user.created',
      version: 1,
      fields: ['login', 'roles'],
      actor: { id: null, login: 'admin' },
    },
  });
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < count) {
        next += 1;
        await new Promise<void>((resolve, reject) => {
          const request = http.request(
            target,
            { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
            (response) => response.resume().once('end', resolve),
          );
          request.once('error', reject);
          request.end(body);
        });
      }
    }),
  );
  agent.destroy();
  return count / ((performance.now() - started) / 1000);
}

async function api(base: string, token: string | undefined, method: string, path: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as any;
  if (!response.ok) throw new Error(`${path}: ${response.status} ${answer.detail}`);
  return answer;
}

const rows: string[] = [];
for (const engine of (process.env.BENCH_ENGINES ?? 'sqlite,postgres').split(',') as Engine[]) {
  const database = await freshStorage(engine);
  const storage = connect(database.url);
  await migrateToLatest(storage.db);
  await bootstrapDirectory(storage.db, { login: 'admin', password: PASSWORD }, safeguardsFor(storage.db, config));
  await storage.close();
  const server = await startServer(database.url);
  try {
    const { token } = await api(server.base, undefined, 'POST', '/api/v1/auth/login', { domain: 'default', login: 'admin', password: PASSWORD });
    const hook = await api(server.base, token, 'POST', '/api/v1/domains/default/webhooks', { url: target, eventTypes: ['user.created'], active: false });
    await api(server.base, token, 'POST', '/api/v1/domains/default/users/range', {
      from: '500000',
      to: String(500000 + DELIVERIES - 1),
      template: { roles: ['agent'] },
    });
    const reference = await plainLoop(DELIVERIES);
    received = 0;
    const started = performance.now();
    await api(server.base, token, 'PATCH', `/api/v1/domains/default/webhooks/${hook.id}`, { active: true });
    await reached(DELIVERIES);
    const rate = DELIVERIES / ((performance.now() - started) / 1000);
    rows.push(
      `| ${engine} | ${Math.round(reference).toLocaleString('en')} | ${Math.round(rate).toLocaleString('en')} | ${Math.round((rate / reference) * 100)}% |`,
    );
  } finally {
    server.child.kill('SIGTERM');
    await once(server.child, 'exit');
    await database.drop();
  }
}
receiver.close();
process.stdout.write(
  [
    `bench/webhooks — ${new Date().toISOString().slice(0, 10)}, ${DELIVERIES.toLocaleString('en')} deliveries of user.created to one subscription, ${IN_FLIGHT} in flight`,
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    '',
    '| engine | plain loop of POSTs, /s | webhook deliveries, /s | ratio |',
    '|---|---:|---:|---:|',
    ...rows,
  ].join('\n') + '\n',
);
