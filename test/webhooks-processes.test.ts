import assert from 'node:assert/strict';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { engines, freshStorage } from './databases.ts';
import { serveProcess, type ServeProcess } from './serve-process.ts';
import { startReceiver, type Receiver } from './webhook-receiver.ts';

const PASSWORD = 'Grey-Heron-Flies-42!';
const base = '/api/v1/domains/default';

async function call(url: string, token: string | undefined, method: string, path: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

async function signIn(url: string): Promise<string> {
  return (await call(url, undefined, 'POST', '/api/v1/auth/login', { domain: 'default', login: 'admin', password: PASSWORD })).body.token;
}

async function environment(engine: 'sqlite' | 'postgres', database: { url: string }) {
  return {
    SWITCHBOARD_DATABASE_URL: database.url,
    SWITCHBOARD_SECRET_KEY: randomBytes(32).toString('base64'),
    SWITCHBOARD_ADMIN_PASSWORD: PASSWORD,
    SWITCHBOARD_PWNED_URL: '',
    SWITCHBOARD_LOG_LEVEL: 'warn',
    SWITCHBOARD_PORT: '0',
    SWITCHBOARD_SIP_PORT: 'off',
    SWITCHBOARD_DATA_DIR: mkdtempSync(join(tmpdir(), `switchboard-webhooks-${engine}-`)),
    SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE: 'true',
    SWITCHBOARD_WEBHOOK_POLL_MS: '20',
    SWITCHBOARD_WEBHOOK_BACKOFF_MS: '50-300',
    SWITCHBOARD_WEBHOOK_TIMEOUT_MS: '1000',
  };
}

async function stop(server: ServeProcess | undefined) {
  if (server && server.child.exitCode === null && server.child.signalCode === null) {
    server.child.kill('SIGTERM');
    await once(server.child, 'exit');
  }
}

/** Each resource's versions as the receiver got them, first arrivals only. */
function versionsByResource(receiver: Receiver): Map<string, number[]> {
  const seen = new Set<string>();
  const byResource = new Map<string, number[]>();
  for (const r of receiver.received) {
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    byResource.set(r.data.resource.id, [...(byResource.get(r.data.resource.id) ?? []), r.data.version]);
  }
  return byResource;
}

for (const engine of engines) {
  describe(`webhook deliveries across a kill -9 [${engine}]`, () => {
    const servers: ServeProcess[] = [];
    let database: Awaited<ReturnType<typeof freshStorage>> | undefined;
    let receiver: Receiver | undefined;
    after(async () => {
      for (const server of servers) await stop(server);
      await receiver?.close();
      await database?.drop();
    });

    it('delivers, after a restart, every change committed before the process was killed with SIGKILL', async () => {
      database = await freshStorage(engine);
      const env = await environment(engine, database);
      receiver = await startReceiver();
      await receiver.down();
      const first = await serveProcess(env);
      servers.push(first);
      const token = await signIn(first.url);
      const hook = await call(first.url, token, 'POST', `${base}/webhooks`, { url: receiver.url, eventTypes: ['user.*'] });
      assert.equal(hook.status, 201, JSON.stringify(hook.body));
      receiver.trust(hook.body.secret);
      const ids: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        const user = await call(first.url, token, 'POST', `${base}/users`, { login: `killed.${i}`, roles: ['agent'] });
        assert.equal(user.status, 201);
        ids.push(user.body.id);
        assert.equal((await call(first.url, token, 'PATCH', `${base}/users/${user.body.id}`, { position: 'before the kill' })).status, 200);
      }
      first.child.kill('SIGKILL');
      await once(first.child, 'exit');
      assert.equal(receiver.received.length, 0, 'nothing was delivered before the kill');
      await receiver.up();
      servers.push(await serveProcess(env));
      await receiver.until(() => new Set(receiver?.received.map((r) => r.id)).size === 10, 20_000);
      assert.ok(receiver.received.every((r) => r.verified));
      const versions = versionsByResource(receiver);
      for (const id of ids) assert.deepEqual(versions.get(id), [1, 2], `the changes of ${id} in order`);
    });
  });
}

describe('webhook deliveries with two processes on one PostgreSQL', () => {
  const servers: ServeProcess[] = [];
  let database: Awaited<ReturnType<typeof freshStorage>> | undefined;
  let receiver: Receiver | undefined;
  after(async () => {
    for (const server of servers) await stop(server);
    await receiver?.close();
    await database?.drop();
  });

  it('delivers each change exactly once, in order per resource, whichever process committed it', async () => {
    database = await freshStorage('postgres');
    const env = await environment('postgres', database);
    receiver = await startReceiver();
    const a = await serveProcess(env);
    servers.push(a);
    const b = await serveProcess(env);
    servers.push(b);
    const tokens = [await signIn(a.url), await signIn(b.url)];
    const hook = await call(a.url, tokens[0], 'POST', `${base}/webhooks`, { url: receiver.url, eventTypes: ['user.*'] });
    assert.equal(hook.status, 201);
    receiver.trust(hook.body.secret);
    const urls = [a.url, b.url];
    const ids = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const at = i % 2;
        const user = await call(urls[at] as string, tokens[at], 'POST', `${base}/users`, { login: `twice.${i}`, roles: ['agent'] });
        assert.equal(user.status, 201);
        for (let round = 1; round <= 3; round += 1)
          await call(urls[(at + round) % 2] as string, tokens[(at + round) % 2], 'PATCH', `${base}/users/${user.body.id}`, { position: `round ${round}` });
        return user.body.id as string;
      }),
    );
    await receiver.until(() => receiver!.received.length >= 120, 20_000);
    // Time for a second delivery of anything, were one to come.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const counts = new Map<string, number>();
    for (const r of receiver.received) counts.set(r.id, (counts.get(r.id) ?? 0) + 1);
    assert.equal(counts.size, 120, 'every change delivered');
    assert.deepEqual(
      [...counts.values()].filter((n) => n > 1),
      [],
      'none delivered twice',
    );
    const versions = versionsByResource(receiver);
    for (const id of ids) assert.deepEqual(versions.get(id), [1, 2, 3, 4], `the changes of ${id} in order`);
  });
});
