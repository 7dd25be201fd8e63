import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import JsSIP from 'jssip';
import { WebSocket } from 'ws';
import { forEachEngine, passwordFor, type Client } from '../../../test/harness.ts';
import { registerWithDigest } from '../../../test/sip-client.ts';
import { listenSip, type SipListeners } from './transports.ts';

JsSIP.debug.disable('JsSIP:*');
const base = '/api/v1/domains/default';

/**
 * JsSIP opens its transport with the global WebSocket. A browser sends the page's cookies with it;
 * here the class stands in for that browser: it carries the session cookie it was made with.
 */
const browserSocket = (cookie: string | undefined) =>
  class extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, cookie ? { headers: { cookie: `switchboard_session=${cookie}` } } : {});
    }
  };

interface BrowserPhone {
  ua: JsSIP.UA;
  outcome: Promise<string>;
  /** The next registration outcome after this call (for a REGISTER sent again). */
  next(): Promise<string>;
}

/** The console's browser phone as Workspace starts it: the AOR from /me/softphone, no password. */
function browserPhone(url: string, uri: string, session: string | undefined): BrowserPhone {
  (globalThis as { WebSocket?: unknown }).WebSocket = browserSocket(session);
  const ua = new JsSIP.UA({
    uri,
    sockets: [new JsSIP.WebSocketInterface(`${url}/sip`)],
    register: true,
    connection_recovery_min_interval: 60,
    connection_recovery_max_interval: 120,
    user_agent: 'Switchboard workspace (JsSIP)',
  });
  const next = () =>
    new Promise<string>((resolve) => {
      const registered = () => {
        ua.off('registrationFailed', failed);
        resolve('registered');
      };
      const failed = (e: { cause?: string }) => {
        ua.off('registered', registered);
        resolve(`failed: ${e.cause ?? 'unknown'}`);
      };
      ua.once('registered', registered);
      ua.once('registrationFailed', failed);
    });
  const outcome = next();
  ua.start();
  return { ua, outcome, next };
}

const stopped = (ua: JsSIP.UA) =>
  new Promise<void>((resolve) => {
    if (!ua.isRegistered()) {
      ua.stop();
      return resolve();
    }
    ua.once('unregistered', () => resolve());
    ua.stop();
  });

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

forEachEngine('the browser phone registers by its console session, beside desk phones', (h) => {
  let url: string;
  let sip: SipListeners;
  before(async () => {
    url = (await h().app.listen({ host: '127.0.0.1', port: 0 })).replace(/^http/, 'ws');
    sip = await listenSip(h().app.registrar, h().app.sipConnections, '127.0.0.1', 0, h().app.log);
  });
  after(() => sip.close());

  const contactsOf = async (id: string) =>
    (await h().admin.get(`${base}/users/${id}/presence`)).body.registration.contacts as { uri: string; transport: string; userAgent: string }[];
  const storedDigests = (id: string) =>
    h().storage.db.selectFrom('sip_accounts').select(['ha1_md5', 'ha1_sha256', 'ha1b_md5', 'ha1b_sha256']).where('user_id', '=', id).executeTakeFirstOrThrow();

  /** A user with a desk phone provisioned with the secret generated at creation, signed in to the console. */
  async function agentWithDeskPhone(login: string, extension: string, sipExtra: Record<string, unknown> = {}) {
    const made = await h().admin.post(`${base}/users`, {
      login,
      password: passwordFor(login),
      roles: ['agent'],
      sip: { extension, connection: 'pbx', ...sipExtra },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const desk = {
      user: extension,
      password: made.body.sip.secret as string,
      host: 'default',
      realm: 'default',
      algorithm: 'MD5' as const,
      contacts: [`<sip:${extension}@127.0.0.1:5099>`],
      expires: 300,
    };
    const session = await h().signIn('default', login, passwordFor(login));
    return { id: made.body.id as string, desk, session };
  }
  const softphoneOf = async (session: Client) => (await session.get('/api/v1/me/softphone')).body as { uri: string };

  it('registers the browser next to a registered desk phone, which still refreshes with its secret; the stored HA1 never changes', async () => {
    const { id, desk, session } = await agentWithDeskPhone('two-phones', '3001');
    assert.match(await registerWithDigest(sip.port, desk), /^SIP\/2\.0 200/);
    const digests = await storedDigests(id);

    const { uri } = await softphoneOf(session);
    assert.equal(uri, 'sip:3001@default');
    const first = browserPhone(url, uri, session.token);
    // A second browser of the same user (another tab or computer, its own session) registers too.
    const second = await h().signIn('default', 'two-phones', passwordFor('two-phones'));
    const other = browserPhone(url, uri, second.token);
    try {
      assert.equal(await first.outcome, 'registered');
      assert.equal(await other.outcome, 'registered');
      const contacts = await contactsOf(id);
      assert.equal(contacts.length, 3, 'the desk phone and both browsers are registered at once');
      assert.deepEqual(contacts.map((c) => c.transport).sort(), ['udp', 'ws', 'ws']);
      assert.ok(contacts.filter((c) => c.transport === 'ws').every((c) => /Switchboard workspace/.test(c.userAgent)));

      assert.match(await registerWithDigest(sip.port, desk), /^SIP\/2\.0 200/, "the desk phone's refresh with the secret it was provisioned with still passes");
      assert.equal((await contactsOf(id)).length, 3, 'a refresh, not a new binding');
      assert.deepEqual(await storedDigests(id), digests, 'the account secret is untouched');
    } finally {
      await stopped(first.ua);
      await stopped(other.ua);
    }
    const left = await until(
      () => contactsOf(id),
      (c) => c.length === 1,
      'the browsers to unregister',
    );
    assert.equal(left[0]?.transport, 'udp', 'stopping the browser phones leaves the desk phone');
  });

  it('stops the browser phone when its session is signed out: its REGISTER is refused, its connection closed, its contact removed; the desk phone stays', async () => {
    const { id, desk, session } = await agentWithDeskPhone('signs-out', '3002');
    assert.match(await registerWithDigest(sip.port, desk), /^SIP\/2\.0 200/);
    const phone = browserPhone(url, (await softphoneOf(session)).uri, session.token);
    try {
      assert.equal(await phone.outcome, 'registered');
      assert.equal((await contactsOf(id)).length, 2);
      assert.equal((await session.post('/api/v1/auth/logout')).status, 204);
      const refreshed = phone.next();
      phone.ua.register();
      assert.equal(await refreshed, 'failed: Rejected', 'the ended session registers nothing');
      const left = await until(
        () => contactsOf(id),
        (c) => c.length === 1,
        "the browser's contact to go",
      );
      assert.equal(left[0]?.transport, 'udp');
      assert.match(await registerWithDigest(sip.port, desk), /^SIP\/2\.0 200/, 'the desk phone goes on refreshing');
    } finally {
      phone.ua.stop();
    }
  });

  it("registers only the session's own account, and nothing without a session or a secret", async () => {
    const { session } = await agentWithDeskPhone('own-only', '3003');
    await agentWithDeskPhone('someone-else', '3004');
    const foreign = browserPhone(url, 'sip:3004@default', session.token);
    const anonymous = browserPhone(url, 'sip:3003@default', undefined);
    try {
      assert.match(await foreign.outcome, /^failed: /, "another user's account still needs its secret");
      assert.match(await anonymous.outcome, /^failed: /, 'a WebSocket without a session needs the secret');
    } finally {
      foreign.ua.stop();
      anonymous.ua.stop();
    }
  });

  it("keeps the account's auth ACL for the browser phone too", async () => {
    const { session } = await agentWithDeskPhone('acl-bound', '3005', { authAcl: ['192.0.2.0/24'] });
    const phone = browserPhone(url, (await softphoneOf(session)).uri, session.token);
    try {
      assert.equal(await phone.outcome, 'failed: Rejected');
    } finally {
      phone.ua.stop();
    }
  });

  it('refuses a /sip upgrade carrying the session cookie from another site', async () => {
    const { session } = await agentWithDeskPhone('cross-site', '3006');
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${url}/sip`, 'sip', { headers: { cookie: `switchboard_session=${session.token}`, origin: 'https://elsewhere.example' } });
      ws.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      ws.on('open', () => {
        ws.close();
        resolve(101);
      });
    });
    assert.equal(status, 403);
  });
});
