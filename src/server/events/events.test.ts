import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { passwordFor, startHarness, type Harness } from '../../../test/harness.ts';
import { openEvents } from '../../../test/events-client.ts';

const base = '/api/v1/domains/default';

describe('live events over WebSocket', () => {
  let h: Harness;
  let url: string;
  let agent: { id: string; token: string };
  let other: { id: string };

  before(async () => {
    h = await startHarness('sqlite', {
      SWITCHBOARD_HEARTBEAT_MS: '200',
      SWITCHBOARD_PRESENCE_GRACE: '1',
      SWITCHBOARD_EVENT_BUFFER: '5',
      SWITCHBOARD_EVENT_POSITION_EVERY: '2',
    });
    url = await h.app.listen({ host: '127.0.0.1', port: 0 });
    const created = (
      await h.admin.post(`${base}/users`, { login: 'live-agent', roles: ['agent'], password: passwordFor('live-agent'), agent: { enabled: true } })
    ).body;
    const token = (await h.anonymous.post('/api/v1/auth/login', { domain: 'default', login: 'live-agent', password: passwordFor('live-agent') })).body.token;
    agent = { id: created.id, token };
    other = (await h.admin.post(`${base}/users`, { login: 'live-other', roles: ['agent'], agent: { enabled: true } })).body;
  });
  after(() => h.close());

  it('starts with a snapshot, counts the stream as online, and sends numbered presence events', async () => {
    const admin = await openEvents(url, 'default', h.admin.token as string);
    const snapshot = await admin.next((m) => m.type === 'snapshot');
    assert.ok(Array.isArray(snapshot.data.presence));
    const stream = await openEvents(url, 'default', agent.token);
    const online = await admin.next((m) => m.type === 'presence' && m.userId === agent.id && m.data.online === true);
    assert.ok(online.seq > snapshot.seq);
    await h.admin.put(`${base}/users/${agent.id}/status`, { status: 'dnd' });
    const dnd = await admin.next((m) => m.type === 'presence' && m.data.status?.value === 'dnd');
    assert.ok(dnd.seq > online.seq);
    assert.equal((await h.admin.get(`${base}/users/${agent.id}/presence`)).body.connections, 1);
    await stream.close();
    await admin.next((m) => m.type === 'presence' && m.userId === agent.id && m.data.online === false);
    await admin.close();
  });

  it('shows an agent only its own presence, and administrators everybody', async () => {
    const own = await openEvents(url, 'default', agent.token);
    const snapshot = await own.next((m) => m.type === 'snapshot');
    assert.ok(snapshot.data.presence.every((p: { userId: string }) => p.userId === agent.id));
    await h.admin.post(`${base}/users/${other.id}/cc/login`);
    await h.admin.put(`${base}/users/${agent.id}/status`, { status: 'available' });
    await own.next((m) => m.type === 'presence' && m.data.status?.value === 'available');
    assert.equal(
      own.messages.some((m) => m.userId === other.id),
      false,
      'nothing about other users',
    );
    await own.close();
  });

  it('sends a reconnecting client what it missed, or a fresh snapshot when the buffer no longer has it', async () => {
    const admin = await openEvents(url, 'default', h.admin.token as string);
    const first = await admin.next((m) => m.type === 'snapshot');
    await admin.close();
    await h.admin.put(`${base}/users/${other.id}/status`, { status: 'break' });
    const resumed = await openEvents(url, 'default', h.admin.token as string, { since: first.seq });
    const missed = await resumed.next((m) => m.type === 'presence' && m.data.status?.value === 'break');
    assert.equal(
      resumed.messages.some((m) => m.type === 'snapshot'),
      false,
    );
    assert.ok(missed.seq > first.seq);
    await resumed.close();
    for (const status of ['dnd', 'available', 'dnd', 'available', 'dnd', 'available']) await h.admin.put(`${base}/users/${other.id}/status`, { status });
    const late = await openEvents(url, 'default', h.admin.token as string, { since: first.seq });
    const fresh = await late.next((m) => m.type === 'snapshot');
    assert.ok(fresh.seq > missed.seq, 'more than the buffer (5) was missed: a snapshot instead');
    await late.close();
  });

  it('tells a client that sees only itself where it stands, so that resuming from there replays only what came after', async () => {
    const own = await openEvents(url, 'default', agent.token);
    await own.next((m) => m.type === 'snapshot');
    for (const firstName of ['Unseen', 'Unseen again']) await h.admin.patch(`${base}/users/${other.id}`, { firstName });
    const unseen = await lastChange(h);
    const position = await own.next((m) => m.type === 'position' && m.data.changes === unseen);
    assert.ok(!own.messages.some((m) => m.type === 'directory' && m.userId === other.id), 'other users’ changes are not shown, only counted');
    await own.close();

    await h.admin.patch(`${base}/users/${agent.id}`, { description: 'changed while away' });
    const resumed = await openEvents(url, 'default', agent.token, { since: position.seq, changes: position.data.changes });
    const missed = await resumed.next((m) => m.type === 'directory');
    assert.deepEqual([missed.userId, missed.data.fields], [agent.id, ['description']]);
    assert.ok(!resumed.messages.some((m) => m.type === 'snapshot'), 'no snapshot: it resumed');
    await resumed.close();
  });

  it('announces directory changes', async () => {
    const admin = await openEvents(url, 'default', h.admin.token as string);
    await admin.next((m) => m.type === 'snapshot');
    await h.admin.patch(`${base}/users/${other.id}`, { firstName: 'Renamed' });
    const change = await admin.next((m) => m.type === 'directory' && m.userId === other.id);
    assert.deepEqual(
      [change.data.action, change.data.resource, change.data.fields, change.change],
      ['user.updated', { type: 'user', id: other.id }, ['firstName'], change.data.seq],
    );
    await admin.close();
  });

  it('drops a connection that stops answering heartbeats, and logs the agent out of CC after the grace period', async () => {
    await h.admin.post(`${base}/users/${agent.id}/cc/login`);
    const silent = await openEvents(url, 'default', agent.token, { autoPong: false });
    await silent.next((m) => m.type === 'snapshot');
    await new Promise((resolve) => silent.socket.once('close', resolve));
    let presence = await until(
      async () => (await h.admin.get(`${base}/users/${agent.id}/presence`)).body,
      (p) => p.online === false,
    );
    assert.deepEqual([presence.online, presence.cc.loggedIn], [false, true], 'in CC during the grace period');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await h.app.presence.sweep();
    presence = (await h.admin.get(`${base}/users/${agent.id}/presence`)).body;
    assert.deepEqual([presence.cc.loggedIn, presence.cc.by, presence.status.value], [false, 'system', 'offline']);
  });
});

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 2000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The change feed's last number in the domain, as the administrator reads it. */
async function lastChange(h: Harness): Promise<number> {
  const feed = await h.admin.get('/api/v1/domains/default/changes?limit=1000');
  return Math.max(...feed.body.items.map((c: { seq: number }) => c.seq));
}
