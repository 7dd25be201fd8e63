import assert from 'node:assert/strict';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import JsSIP from 'jssip';
import { WebSocket } from 'ws';
import { freshStorage } from './databases.ts';
import { openEvents } from './events-client.ts';
import { registerWithDigest } from './sip-client.ts';
import { dropRedisKeys, serveProcess, stopProcesses, type ServeProcess } from './serve-process.ts';

// JsSIP opens its transport with the global WebSocket, which Node 20 lacks.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;
JsSIP.debug.disable('JsSIP:*');

const REDIS_URL = process.env.SWITCHBOARD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PASSWORD = 'Grey-Heron-Flies-42!';

describe('two server processes on one PostgreSQL and one Redis', () => {
  const prefix = `sbtest-${randomBytes(4).toString('hex')}:`;
  let database: Awaited<ReturnType<typeof freshStorage>>;
  let a: ServeProcess;
  let b: ServeProcess;

  before(async () => {
    database = await freshStorage('postgres');
    const env = {
      SWITCHBOARD_DATABASE_URL: database.url,
      SWITCHBOARD_REDIS_URL: REDIS_URL,
      SWITCHBOARD_REDIS_PREFIX: prefix,
      SWITCHBOARD_SECRET_KEY: randomBytes(32).toString('base64'),
      SWITCHBOARD_ADMIN_PASSWORD: PASSWORD,
      SWITCHBOARD_PWNED_URL: '',
      SWITCHBOARD_LOG_LEVEL: 'warn',
      SWITCHBOARD_PORT: '0',
      SWITCHBOARD_DATA_DIR: mkdtempSync(join(tmpdir(), 'switchboard-cluster-')),
    };
    a = await serveProcess({ ...env, SWITCHBOARD_SIP_PORT: '0' });
    b = await serveProcess({ ...env, SWITCHBOARD_SIP_PORT: 'off' });
  });

  after(async () => {
    await stopProcesses([a, b]);
    await database?.drop();
    await dropRedisKeys(REDIS_URL, prefix);
  });

  it('shows a phone registered on process A to an event client of process B', async () => {
    const signIn = await fetch(`${b.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ domain: 'default', login: 'admin', password: PASSWORD }),
    });
    const { token } = (await signIn.json()) as { token: string };
    const created = await fetch(`${b.url}/api/v1/domains/default/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ login: 'cluster-phone', roles: ['agent'], sip: { extension: '4100' } }),
    });
    const user = (await created.json()) as { id: string; sip: { secret: string } };
    assert.equal(created.status, 201);

    const events = await openEvents(b.url, 'default', token);
    await events.next((m) => m.type === 'snapshot');
    const answer = await registerWithDigest(a.sipPort as number, {
      user: '4100',
      password: user.sip.secret,
      host: 'default',
      realm: 'default',
      algorithm: 'MD5',
    });
    assert.match(answer, /^SIP\/2\.0 200 OK/);
    const registered = await events.next((m) => m.type === 'presence' && m.userId === user.id && m.data.registration?.registered === true, 5000);
    assert.equal(registered.data.registration.contacts[0].transport, 'udp');
    const presence = await fetch(`${b.url}/api/v1/domains/default/users/${user.id}/presence`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(((await presence.json()) as { registration: { registered: boolean } }).registration.registered, true);
    await events.close();
  });
});

describe('a process killed in a cluster leaves no ghost', () => {
  const prefix = `sbtest-${randomBytes(4).toString('hex')}:`;
  const HEARTBEAT_MS = 250;
  const TTL_MS = 1000;
  const GRACE_S = 3;
  let database: Awaited<ReturnType<typeof freshStorage>>;
  let env: NodeJS.ProcessEnv;
  const servers: ServeProcess[] = [];
  let softphone: JsSIP.UA | undefined;

  before(async () => {
    database = await freshStorage('postgres');
    env = {
      SWITCHBOARD_DATABASE_URL: database.url,
      SWITCHBOARD_REDIS_URL: REDIS_URL,
      SWITCHBOARD_REDIS_PREFIX: prefix,
      SWITCHBOARD_SECRET_KEY: randomBytes(32).toString('base64'),
      SWITCHBOARD_ADMIN_PASSWORD: PASSWORD,
      SWITCHBOARD_PWNED_URL: '',
      SWITCHBOARD_LOG_LEVEL: 'warn',
      SWITCHBOARD_PORT: '0',
      SWITCHBOARD_SIP_PORT: 'off',
      SWITCHBOARD_PROCESS_HEARTBEAT_MS: String(HEARTBEAT_MS),
      SWITCHBOARD_PROCESS_TTL_MS: String(TTL_MS),
      SWITCHBOARD_PRESENCE_GRACE: String(GRACE_S),
      SWITCHBOARD_DATA_DIR: mkdtempSync(join(tmpdir(), 'switchboard-cluster-')),
    };
  });

  after(async () => {
    softphone?.stop();
    await stopProcesses(servers);
    await database?.drop();
    await dropRedisKeys(REDIS_URL, prefix);
  });

  it('drops the connections of a SIGKILLed process within the TTL, logs its agent out of CC after the grace period, and a process restarted on its port does not bring them back', async () => {
    const a = await serveProcess(env);
    const b = await serveProcess(env);
    servers.push(a, b);
    const admin = await signIn(a.url, 'admin', PASSWORD);
    const created = await call(a.url, admin, 'POST', '/api/v1/domains/default/users', {
      login: 'ghost-agent',
      password: PASSWORD,
      roles: ['agent'],
      agent: { enabled: true },
      sip: { extension: '4200', connection: 'webrtc' },
    });
    assert.equal(created.status, 201);
    const { id: agentId, sip } = created.body as { id: string; sip: { secret: string } };
    const agent = await signIn(b.url, 'ghost-agent', PASSWORD);
    const streams = [await openEvents(b.url, 'default', agent), await openEvents(b.url, 'default', agent), await openEvents(b.url, 'default', agent)];
    for (const stream of streams) await stream.next((m) => m.type === 'snapshot');
    // Its WebRTC softphone registers through B too: reachable only over that WebSocket.
    softphone = await registerSoftphone(b.url, '4200', sip.secret);
    assert.equal((await call(b.url, agent, 'POST', `/api/v1/domains/default/users/${agentId}/cc/login`)).status, 200);
    const presenceOn = (server: ServeProcess) => async () =>
      (await call(server.url, admin, 'GET', `/api/v1/domains/default/users/${agentId}/presence`)).body as Presence;
    const readyOn = async (server: ServeProcess) =>
      ((await call(server.url, admin, 'GET', '/api/v1/domains/default/agents/ready')).body as { items: { id: string }[] }).items.map((i) => i.id);
    const working = await until(presenceOn(a), (p) => p.connections === 3);
    assert.deepEqual(
      [working.online, working.connections, working.registration.registered, working.cc.loggedIn, working.status.value],
      [true, 3, true, true, 'available'],
    );
    assert.deepEqual(await readyOn(a), [agentId]);

    b.child.kill('SIGKILL');
    await once(b.child, 'exit');
    const killedAt = Date.now();
    const dropping = until(presenceOn(a), (p) => p.connections === 0, TTL_MS + HEARTBEAT_MS + 10_000).then((p) => ({
      p,
      noticedAfterMs: Date.now() - killedAt,
    }));
    // Started at once on the dead one's port: a new process, which owns none of the dead one's connections.
    const restarted = await serveProcess({ ...env, SWITCHBOARD_PORT: new URL(b.url).port });
    servers.push(restarted);
    assert.equal(restarted.url, b.url);

    const { p: dropped, noticedAfterMs } = await dropping;
    assert.deepEqual(
      [dropped.online, dropped.connections, dropped.registration.registered, dropped.cc.loggedIn],
      [false, 0, false, true],
      'dropped with the softphone, and in CC for the grace period',
    );
    assert.ok(
      noticedAfterMs <= TTL_MS + HEARTBEAT_MS + 2000,
      `noticed ${noticedAfterMs} ms after the kill: within the TTL and a heartbeat (and some slack for a busy machine)`,
    );
    assert.deepEqual(await readyOn(a), [], 'no call is routed to a dead connection');

    const loggedOut = await until(presenceOn(a), (p) => !p.cc.loggedIn, GRACE_S * 1000 + 3000);
    assert.deepEqual([loggedOut.cc.loggedIn, loggedOut.cc.by, loggedOut.status.value], [false, 'system', 'offline']);
    for (const server of [a, restarted]) {
      const seen = await presenceOn(server)();
      assert.deepEqual(
        [seen.online, seen.connections, seen.registration.registered, seen.cc.loggedIn],
        [false, 0, false, false],
        `the same on ${server === a ? 'the survivor' : 'the restarted process'}`,
      );
      assert.deepEqual(await readyOn(server), []);
    }
    const history = (await call(a.url, admin, 'GET', `/api/v1/domains/default/users/${agentId}/status-history?dimension=online`)).body as {
      items: { value: string }[];
    };
    assert.deepEqual(
      history.items.map((i) => i.value).filter((v) => v === 'offline'),
      ['offline'],
      'dropped once, though two processes survived',
    );
    for (const stream of streams) stream.socket.terminate();
  });
});

interface Presence {
  online: boolean;
  connections: number;
  registration: { registered: boolean };
  cc: { loggedIn: boolean; by: string };
  status: { value: string };
}

async function signIn(url: string, login: string, password: string): Promise<string> {
  const response = await call(url, undefined, 'POST', '/api/v1/auth/login', { domain: 'default', login, password });
  if (response.status !== 200) throw new Error(`sign-in of ${login} failed: ${JSON.stringify(response.body)}`);
  return (response.body as { token: string }).token;
}

async function call(url: string, token: string | undefined, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** Reads until the value is as wanted or the time is up; answers the last value read. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A JsSIP phone registered over the server's /sip WebSocket; it does not reconnect within a test. */
function registerSoftphone(url: string, user: string, password: string): Promise<JsSIP.UA> {
  return new Promise((resolve, reject) => {
    const socket = new JsSIP.WebSocketInterface(`${url.replace(/^http/, 'ws')}/sip`);
    const ua = new JsSIP.UA({
      uri: `sip:${user}@default`,
      password,
      sockets: [socket],
      register: true,
      connection_recovery_min_interval: 600,
      connection_recovery_max_interval: 600,
    });
    ua.on('registered', () => resolve(ua));
    ua.on('registrationFailed', (e: { cause?: string }) => {
      ua.stop();
      reject(new Error(`registration failed: ${e.cause ?? 'unknown'}`));
    });
    ua.start();
  });
}
