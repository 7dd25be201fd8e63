import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import JsSIP from 'jssip';
import { WebSocket } from 'ws';
import { freshStorage } from './databases.ts';
import { openEvents, type EventClient } from './events-client.ts';
import { startLoadBalancer, type Backend, type LoadBalancer } from './load-balancer.ts';
import { openSipStream, registerRequest, registerWithDigest, type SipStream } from './sip-client.ts';
import { CLUSTER_ADMIN_PASSWORD, CLUSTER_REDIS_URL, clusterEnv, dropRedisKeys, serveProcess, stopProcesses, type ServeProcess } from './serve-process.ts';
import { startReceiver, type Receiver } from './webhook-receiver.ts';

// JsSIP opens its transport with the global WebSocket, which Node 20 lacks.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;
JsSIP.debug.disable('JsSIP:*');

const REDIS_URL = CLUSTER_REDIS_URL;
const PASSWORD = CLUSTER_ADMIN_PASSWORD;

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
    env = clusterEnv(database.url, prefix, {
      SWITCHBOARD_PROCESS_HEARTBEAT_MS: String(HEARTBEAT_MS),
      SWITCHBOARD_PROCESS_TTL_MS: String(TTL_MS),
      SWITCHBOARD_PRESENCE_GRACE: String(GRACE_S),
    });
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

describe('three server processes on one PostgreSQL and one Redis, behind the load balancer of docs/deploy', () => {
  const prefix = `sbtest-${randomBytes(4).toString('hex')}:`;
  const servers: ServeProcess[] = [];
  let database: Awaited<ReturnType<typeof freshStorage>>;
  let lb: LoadBalancer;
  let receiver: Receiver;
  let admin: string;
  // While `holding`, the receiver answers no attempt: each process claims one delivery and waits.
  let holding = true;
  const attempts = new Set<{ id: string; release: () => void; cutAt: number | null }>();
  const unanswered = () => [...attempts].filter((attempt) => attempt.cutAt === null);

  before(async () => {
    database = await freshStorage('postgres');
    receiver = await startReceiver({
      answer: async (request) => {
        if (!holding) return 204;
        const attempt = { id: String(request.headers['webhook-id']), release: () => {}, cutAt: null as number | null };
        attempts.add(attempt);
        request.socket.once('close', () => (attempt.cutAt ??= Date.now()));
        await new Promise<void>((resolve) => (attempt.release = resolve));
        attempts.delete(attempt);
        return attempt.cutAt === null ? 204 : 503;
      },
    });
    const env = clusterEnv(database.url, prefix, {
      SWITCHBOARD_SIP_PORT: '0',
      SWITCHBOARD_TRUSTED_PROXIES: '127.0.0.1',
      SWITCHBOARD_LOGIN_RATE_LIMIT: '10000',
      SWITCHBOARD_PROCESS_HEARTBEAT_MS: '250',
      SWITCHBOARD_PROCESS_TTL_MS: '1000',
      SWITCHBOARD_DRAIN_MS: '15000',
      // Holds the import's 2,000 directory events and what came before, for a client that resumes.
      SWITCHBOARD_EVENT_BUFFER: '10000',
      SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE: 'true',
      SWITCHBOARD_WEBHOOK_POLL_MS: '50',
      SWITCHBOARD_WEBHOOK_BACKOFF_MS: '50-300',
      SWITCHBOARD_WEBHOOK_TIMEOUT_MS: '2000',
      // A quarter of it per subscription: one attempt in flight per process.
      SWITCHBOARD_WEBHOOK_CONCURRENCY: '4',
    });
    // The first one migrates the empty database; then the other two start together.
    servers.push(await serveProcess(env));
    servers.push(...(await Promise.all([serveProcess(env), serveProcess(env)])));
    lb = await startLoadBalancer(servers.map((s) => ({ http: new URL(s.url).host, sip: `127.0.0.1:${s.sipPort}` })) as [Backend, Backend, Backend]);
    admin = await signIn(lb.url, 'admin', PASSWORD);
  });

  after(async () => {
    holding = false;
    for (const attempt of attempts) attempt.release();
    await stopProcesses(servers);
    await lb?.stop();
    await receiver?.close();
    await database?.drop();
    await dropRedisKeys(REDIS_URL, prefix);
  });

  it('shows a phone registered on process A to an event client of process B', async () => {
    const [a, b] = servers as [ServeProcess, ServeProcess];
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

  it("signs in through the load balancer under the client's own address (X-Forwarded-For from a trusted proxy)", async () => {
    // From another loopback address than the load balancer's own, 127.0.0.1.
    const signedIn = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const body = JSON.stringify({ domain: 'default', login: 'admin', password: PASSWORD });
      const request = httpRequest(
        `${lb.url}/api/v1/auth/login`,
        { method: 'POST', localAddress: '127.0.0.2', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
        },
      );
      request.once('error', reject);
      request.end(body);
    });
    assert.equal(signedIn.status, 200, signedIn.body);
    const { token } = JSON.parse(signedIn.body) as { token: string };
    const sessions = (await call(lb.url, token, 'GET', '/api/v1/me/sessions')).body as { items: { current: boolean; address: string }[] };
    assert.equal(sessions.items.find((s) => s.current)?.address, '127.0.0.2');
  });

  it('keeps every live process in the UDP balancing though a datagram gets no answer (a keep-alive), and sends a retransmission to the process of the first copy', async () => {
    // A phone keeps its NAT binding open with a CRLF between REGISTERs: no SIP request, so no answer.
    // Two a process: another session started meanwhile (a retransmission of an earlier test's) moves the round robin on.
    const keepAlives: string[] = [];
    for (const _ of [...servers, ...servers]) keepAlives.push(`127.0.0.1:${(await sentFromOnePort(lb.sipPort, ['\r\n\r\n'], 0, 0)).port}`);
    // A REGISTER sent again before its answer came, as after timer E: the same request from the same port.
    const register = registerRequest('6199', 'default', 1, randomBytes(8).toString('hex'));
    const twice = await sentFromOnePort(lb.sipPort, [register, register], 200, 300);
    assert.match(twice.answers[0] ?? '', /^SIP\/2\.0 401 /);
    const clients = [...keepAlives, `127.0.0.1:${twice.port}`];
    // nginx logs a UDP session when it ends, and has by then counted it a failure or not.
    const flows = await until(
      async () => lb.sipLog().filter((flow) => clients.includes(flow.client)),
      (seen) => new Set(seen.map((flow) => flow.client)).size === clients.length,
      10_000,
    );
    assert.equal(new Set(flows.map((flow) => flow.client)).size, clients.length, 'every session ended');
    assert.deepEqual(
      lb
        .errorLog()
        .split('\n')
        .filter((line) => /temporarily disabled|no live upstreams/.test(line)),
      [],
      'no live process taken out',
    );
    assert.equal(
      new Set(flows.filter((flow) => keepAlives.includes(flow.client)).map((flow) => flow.upstream)).size,
      servers.length,
      'a keep-alive to each process',
    );
    assert.deepEqual(
      flows.filter((flow) => flow.client === `127.0.0.1:${twice.port}`).map((flow) => flow.received),
      [2 * Buffer.byteLength(register)],
      'both copies in one session, to one process',
    );
  });

  it('loses no event, no registration and no webhook delivery when a process is killed with SIGKILL', async () => {
    const phones = await Promise.all(
      [0, 1, 2, 3, 4, 5].map(async (i) => {
        const created = await call(lb.url, admin, 'POST', '/api/v1/domains/default/users', {
          login: `lb-phone-${i}`,
          roles: ['agent'],
          sip: { extension: `610${i}` },
        });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const { id, sip } = created.body as { id: string; sip: { secret: string } };
        return {
          id,
          extension: `610${i}`,
          secret: sip.secret,
          transport: i < 3 ? ('tcp' as const) : ('udp' as const),
          address: `127.0.0.${2 + i}`,
          stream: undefined as SipStream | undefined,
        };
      }),
    );
    const register = async (phone: (typeof phones)[number]) => {
      // Each TCP phone from an address of its own: nginx names it to the process in a PROXY header.
      if (phone.transport === 'tcp') phone.stream = await openSipStream(lb.sipPort, phone.address);
      const stream = phone.stream;
      return registerWithDigest(lb.sipPort, {
        user: phone.extension,
        password: phone.secret,
        host: 'default',
        realm: 'default',
        algorithm: 'MD5',
        contacts: [`<sip:${phone.extension}@127.0.0.1:5099;transport=${phone.transport}>`],
        send: stream ? (message) => stream.send(message) : (message) => retransmitted(lb.sipPort, message),
      });
    };
    // One after the other, so the round robin puts a phone of each transport on every process.
    for (const phone of phones) assert.match(await register(phone), /^SIP\/2\.0 200 OK/, `${phone.transport} phone ${phone.extension} registered`);
    for (const phone of phones.filter((p) => p.transport === 'tcp')) {
      const presence = (await call(lb.url, admin, 'GET', `/api/v1/domains/default/users/${phone.id}/presence`)).body as {
        registration: { contacts: { source: string }[] };
      };
      assert.equal(presence.registration.contacts[0]?.source, `${phone.address}:${phone.stream?.socket.localPort}`, 'the process saw the phone, not nginx');
    }
    const backends = servers.map((s) => `127.0.0.1:${s.sipPort}`);
    // nginx logs a UDP session once it ended; one that sent nothing back was no REGISTER's.
    const udpUpstreams = async () => [...new Set(lb.sipLog().flatMap((l) => (l.protocol === 'UDP' && l.sent > 0 ? [l.upstream] : [])))].sort();
    assert.deepEqual(await until(udpUpstreams, (seen) => seen.length === backends.length), [...backends].sort(), 'every process answered REGISTERs over UDP');

    const hook = await call(lb.url, admin, 'POST', '/api/v1/domains/default/webhooks', { url: receiver.url, eventTypes: ['user.created'] });
    assert.equal(hook.status, 201, JSON.stringify(hook.body));
    receiver.trust((hook.body as { secret: string }).secret);

    // Opened one after the other: the round robin puts one on each process.
    const streams: EventClient[] = [];
    for (let i = 0; i < 3; i += 1) {
      const stream = await openEvents(lb.url, 'default', admin);
      await stream.next((m) => m.type === 'snapshot');
      streams.push(stream);
    }
    const created: string[] = [];
    const createUser = async (login: string) => {
      const response = await call(lb.url, admin, 'POST', '/api/v1/domains/default/users', { login, roles: ['agent'] });
      assert.equal(response.status, 201, JSON.stringify(response.body));
      created.push((response.body as { id: string }).id);
      return (response.body as { id: string }).id;
    };
    for (let i = 0; i < 6; i += 1) await createUser(`lb-before-${i}`);
    for (const stream of streams) await stream.next((m) => m.change !== undefined && m.userId === created.at(-1));
    const position = (stream: EventClient) => ({
      since: Math.max(...stream.messages.map((m) => m.seq)),
      changes: Math.max(...stream.messages.map((m) => (m.type === 'snapshot' ? m.data.changes : (m.change ?? 0)))),
    });

    const victim = servers[1] as ServeProcess;
    const closed = streams.map((stream) => new Promise<EventClient>((resolve) => stream.socket.once('close', () => resolve(stream))));
    await until(
      async () => unanswered().length,
      (n) => n === 3,
      10_000,
    );
    assert.equal(unanswered().length, 3, 'each process holds one delivery, unanswered');
    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    await once(victim.child, 'exit');
    const orphaned = await Promise.race([Promise.any(closed), new Promise<undefined>((resolve) => setTimeout(resolve, 3000))]);
    assert.ok(orphaned, 'an event client of the killed process lost its connection');
    // What the killed process was sending: cut with it.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const cut = [...attempts].filter((attempt) => attempt.cutAt !== null && attempt.cutAt >= killedAt).map((attempt) => attempt.id);
    assert.ok(cut.length >= 1, 'the killed process held a delivery');
    holding = false;
    for (const attempt of attempts) attempt.release();

    // The outage: changes (three users) and presence events (a status set, the dead process's connections dropped).
    const resumeAt = position(orphaned);
    for (let i = 0; i < 3; i += 1) await createUser(`lb-outage-${i}`);
    assert.equal((await call(lb.url, admin, 'PUT', `/api/v1/domains/default/users/${phones[0]?.id}/status`, { status: 'dnd' })).status, 200);
    const resumed = await openEvents(lb.url, 'default', admin, resumeAt);
    const marker = await createUser('lb-marker');
    const survivor = streams.find((s) => s !== orphaned && s.socket.readyState === s.socket.OPEN) as EventClient;
    await survivor.next((m) => m.userId === marker && m.change !== undefined);
    await resumed.next((m) => m.userId === marker && m.change !== undefined);
    assert.equal(resumed.messages.filter((m) => m.type === 'snapshot').length, 0, 'resumed, not started over');
    const numbered = (stream: EventClient) =>
      stream.messages
        .filter((m) => m.change === undefined && m.type !== 'snapshot' && m.seq > resumeAt.since && m.seq <= survivor.messages.at(-1)!.seq)
        .map((m) => m.seq);
    assert.ok(numbered(survivor).length >= 1, 'presence changed during the outage');
    assert.deepEqual(
      numbered(survivor).filter((seq) => !numbered(resumed).includes(seq)),
      [],
      'every presence event a live client saw, the resumed one got',
    );
    const changes = resumed.messages.filter((m) => m.change !== undefined).map((m) => m.change as number);
    const lastChange = changes.at(-1) as number;
    assert.deepEqual(
      changes,
      Array.from({ length: lastChange - resumeAt.changes }, (_, i) => resumeAt.changes + 1 + i),
      'every directory change once, in order',
    );
    assert.deepEqual(
      created.slice(6).filter((id) => !resumed.messages.some((m) => m.change !== undefined && m.userId === id)),
      [],
      'the users created during the outage',
    );

    // Phones: the TCP one on the dead process registers again through another; every binding stands.
    const cutOff = phones.filter((phone) => phone.stream?.socket.destroyed);
    assert.ok(cutOff.length >= 1, 'a TCP phone was connected to the killed process');
    for (const phone of cutOff)
      assert.match(await register(phone), /^SIP\/2\.0 200 OK/, `TCP phone ${phone.extension} registered again through another process`);
    // A UDP phone that nginx sends to the dead process has its request refused (ICMP port
    // unreachable), and is answered by another process on a retransmission, within Timer F.
    for (const phone of phones.filter((p) => p.transport === 'udp'))
      assert.match(await register(phone), /^SIP\/2\.0 200 OK/, `UDP phone ${phone.extension} refreshed through the load balancer`);
    const victimAddresses = [new URL(victim.url).host, `127.0.0.1:${victim.sipPort}`];
    const errors = lb.errorLog().split('\n');
    assert.ok(
      errors.some((line) => line.includes('Connection refused') && line.includes('udp client') && line.includes(`upstream: "127.0.0.1:${victim.sipPort}"`)),
      'a UDP phone was sent to the killed process',
    );
    assert.deepEqual(
      errors
        .filter((line) => /temporarily disabled|no live upstreams/.test(line))
        .filter((line) => !victimAddresses.includes(/upstream: "(?:http:\/\/)?([^/"]+)/.exec(line)?.[1] ?? '')),
      [],
      'nginx took out the killed process only',
    );
    for (const phone of phones) {
      const presence = (await call(lb.url, admin, 'GET', `/api/v1/domains/default/users/${phone.id}/presence`)).body as {
        registration: { registered: boolean; contacts: { uri: string }[] };
      };
      assert.deepEqual(
        [presence.registration.registered, presence.registration.contacts.map((c) => c.uri)],
        [true, [`sip:${phone.extension}@127.0.0.1:5099;transport=${phone.transport}`]],
        `${phone.transport} phone ${phone.extension} still registered`,
      );
    }

    // Webhooks: what the dead process held is delivered by another once its lease ends.
    await receiver.until(() => created.length === new Set(receiver.received.map((r) => r.data.resource.id)).size, 15_000);
    assert.ok(receiver.received.every((r) => r.verified));
    assert.deepEqual(
      cut.filter((id) => !receiver.received.some((r) => r.id === id)),
      [],
      'the deliveries the killed process held were delivered',
    );
    for (const stream of [...streams, resumed]) stream.socket.terminate();
    for (const phone of phones) phone.stream?.socket.destroy();
  });

  it('drains a process stopped with SIGTERM: its import finishes, its event streams and SIP WebSockets are told 1012, and the streams resume through the load balancer', async () => {
    const leaving = servers[2] as ServeProcess;
    const streams: EventClient[] = [];
    // More than there are processes left: the round robin puts some on the one leaving.
    for (let i = 0; i < 4; i += 1) {
      const stream = await openEvents(lb.url, 'default', admin);
      await stream.next((m) => m.type === 'snapshot');
      streams.push(stream);
    }
    // Browser phones' SIP over WebSocket, the same way.
    const sipSockets: WebSocket[] = [];
    for (let i = 0; i < 4; i += 1) {
      const socket = new WebSocket(`${lb.url.replace(/^http/, 'ws')}/sip`, 'sip');
      await once(socket, 'open');
      sipSockets.push(socket);
    }
    const ROWS = 2000;
    const file = ['login,firstName,lastName', ...Array.from({ length: ROWS }, (_, i) => `drained.${i},Drained,No ${i}`)].join('\n');
    // Straight to the process that will leave, so that it is the one running the import.
    const importing = fetch(`${leaving.url}/api/v1/domains/default/users/import`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', authorization: `Bearer ${admin}` },
      body: file,
    });
    const running = await (streams[0] as EventClient).next((m) => m.type === 'job' && m.data.state === 'running', 10_000);
    const closes = streams.map((stream) => new Promise<number>((resolve) => stream.socket.once('close', (code) => resolve(code))));
    const sipCloses = sipSockets.map((socket) => new Promise<number>((resolve) => socket.once('close', (code) => resolve(code))));
    const stoppedAt = Date.now();
    leaving.child.kill('SIGTERM');
    const answer = await importing;
    assert.equal(answer.status, 200, await answer.clone().text());
    assert.equal(((await answer.json()) as { created: number }).created, ROWS, 'the import in flight finished');
    const [code] = (await once(leaving.child, 'exit')) as [number | null];
    assert.equal(code, 0, 'drained and exited 0');

    const told = (await Promise.all(closes.map((closed) => Promise.race([closed, new Promise<null>((resolve) => setTimeout(() => resolve(null), 1000))])))).map(
      (code, i) => ({ code, stream: streams[i] as EventClient }),
    );
    const cut = told.filter((t) => t.code !== null);
    assert.ok(cut.length >= 1, 'an event client was on the stopped process');
    assert.deepEqual(
      cut.map((t) => t.code),
      cut.map(() => 1012),
      'closed with 1012 Service Restart',
    );
    const sipCut = (
      await Promise.all(sipCloses.map((closed) => Promise.race([closed, new Promise<null>((resolve) => setTimeout(() => resolve(null), 200))])))
    ).filter((code) => code !== null);
    assert.ok(sipCut.length >= 1, 'a SIP WebSocket was on the stopped process');
    assert.deepEqual(
      sipCut,
      sipCut.map(() => 1012),
      'SIP over WebSocket closed with 1012 too',
    );
    for (const [i, { stream }] of cut.entries()) {
      const since = Math.max(...stream.messages.map((m) => m.seq));
      const changes = Math.max(...stream.messages.map((m) => (m.type === 'snapshot' ? m.data.changes : (m.change ?? 0))));
      const resumed = await openEvents(lb.url, 'default', admin, { since, changes });
      const marker = await call(lb.url, admin, 'POST', '/api/v1/domains/default/users', { login: `drain-marker-${i}`, roles: ['agent'] });
      assert.equal(marker.status, 201);
      await resumed.next((m) => m.userId === (marker.body as { id: string }).id && m.change !== undefined, 10_000);
      assert.equal(resumed.messages.filter((m) => m.type === 'snapshot').length, 0, 'resumed on another process');
      const finished = [...stream.messages, ...resumed.messages].find((m) => m.type === 'job' && m.data.id === running.data.id && m.data.state !== 'running');
      assert.equal(finished?.data.state, 'succeeded', 'the end of the import, live or replayed');
      assert.ok(Date.parse(finished?.data.finishedAt) > stoppedAt, 'the import was still running when the process was told to stop');
      resumed.socket.terminate();
    }
    for (const stream of streams) stream.socket.terminate();
    for (const socket of sipSockets) socket.terminate();
  });
});

/** RFC 3261's timers for a request over UDP: T1, T2 (timer E's cap), and Timer F, when the phone gives up. */
const T1_MS = 500;
const T2_MS = 4000;
const TIMER_F_MS = 64 * T1_MS;

/**
 * SIP over UDP as a phone sends it, from one port (RFC 3261 17.1.2.2): the same request again
 * after 500 ms, 1 s, 2 s, then every 4 s (timer E) until a SIP answer comes, giving up after 32 s
 * (Timer F). What is not SIP is ignored: nginx sends an empty datagram when the process it chose
 * refused the request.
 */
async function retransmitted(port: number, message: string): Promise<string> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  try {
    const answer = new Promise<string>((resolve) => socket.on('message', (data) => data.toString().startsWith('SIP/2.0 ') && resolve(data.toString())));
    const givesUpAt = Date.now() + TIMER_F_MS;
    for (let timerE = T1_MS; Date.now() < givesUpAt; timerE = Math.min(2 * timerE, T2_MS)) {
      socket.send(message, port, '127.0.0.1');
      const wait = Math.min(timerE, givesUpAt - Date.now());
      const answered = await Promise.race([answer, new Promise<null>((resolve) => setTimeout(() => resolve(null), wait))]);
      if (answered !== null) return answered;
    }
    throw new Error(`no SIP answer over UDP within Timer F (${TIMER_F_MS} ms)`);
  } finally {
    socket.close();
  }
}

/**
 * Datagrams from one port of its own, `gapMs` apart, as a phone sends them without waiting for
 * an answer; answers that port and the SIP answers that came until `listenMs` after the last.
 */
async function sentFromOnePort(port: number, messages: string[], gapMs: number, listenMs: number): Promise<{ port: number; answers: string[] }> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const answers: string[] = [];
  socket.on('message', (data) => data.toString().startsWith('SIP/2.0 ') && answers.push(data.toString()));
  try {
    for (const [i, message] of messages.entries()) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
      socket.send(message, port, '127.0.0.1');
    }
    await new Promise((resolve) => setTimeout(resolve, listenMs));
    return { port: socket.address().port, answers };
  } finally {
    socket.close();
  }
}
