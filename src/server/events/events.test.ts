import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { passwordFor, startHarness, type Harness } from '../../../test/harness.ts';
import { openEvents } from '../../../test/events-client.ts';
import { pruneChanges } from '../changes/store.ts';

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
      SWITCHBOARD_EVENT_REPLAY_MAX: '700',
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
    const start = (await own.next((m) => m.type === 'snapshot')).data.changes as number;
    for (const firstName of ['Unseen', 'Unseen again']) await h.admin.patch(`${base}/users/${other.id}`, { firstName });
    const unseen = await lastChange(h);
    // Told once every 2 (SWITCHBOARD_EVENT_POSITION_EVERY) other users' changes in the domain: after the first or the second.
    const position = await own.next((m) => m.type === 'position' && m.data.changes > start);
    assert.ok(position.data.changes >= unseen - 1);
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

  it('replays to a resuming administrator every change missed, in order, page after page; past the limit it says to re-read', async () => {
    const admin = await openEvents(url, 'default', h.admin.token as string);
    const start = (await admin.next((m) => m.type === 'snapshot')).data.changes as number;
    await admin.close();
    await h.admin.post(`${base}/users/range`, { from: '6000', to: '6599' });
    const resumed = await openEvents(url, 'default', h.admin.token as string, { changes: start });
    await resumed.next((m) => m.type === 'directory' && m.change === start + 600, 10_000);
    const replayed = resumed.messages.filter((m) => m.type === 'directory').map((m) => m.change);
    assert.deepEqual(
      replayed,
      Array.from({ length: 600 }, (_, i) => start + 1 + i),
      'every change once, in order, across more than one page (500)',
    );
    assert.equal(resumed.messages.find((m) => m.type === 'snapshot')?.data.changesMissed, false);
    await resumed.close();

    await h.admin.post(`${base}/users/range`, { from: '6600', to: '6799' });
    const late = await openEvents(url, 'default', h.admin.token as string, { changes: start });
    const snapshot = await late.next((m) => m.type === 'snapshot');
    assert.deepEqual([snapshot.data.changesMissed, snapshot.data.changes], [true, await lastChange(h)], '800 missed, more than the 700 replayed');
    await late.close();
  });

  it('replays to a client that sees only itself its own changes, however many of other users it missed', async () => {
    const own = await openEvents(url, 'default', agent.token);
    const start = (await own.next((m) => m.type === 'snapshot')).data.changes as number;
    await own.close();
    await h.admin.post(`${base}/users/range`, { from: '6800', to: '7599' });
    await h.admin.patch(`${base}/users/${agent.id}`, { description: 'changed after an import' });
    const resumed = await openEvents(url, 'default', agent.token, { changes: start });
    const missed = await resumed.next((m) => m.type === 'directory');
    assert.deepEqual([missed.userId, missed.data.fields], [agent.id, ['description']]);
    assert.equal(resumed.messages.find((m) => m.type === 'snapshot')?.data.changesMissed, false, '800 changes of others went by, not one of them is owed');
    await resumed.close();
  });

  it('tells a client whose place in the feed was pruned to re-read', async () => {
    const admin = await openEvents(url, 'default', h.admin.token as string);
    const start = (await admin.next((m) => m.type === 'snapshot')).data.changes as number;
    await admin.close();
    await h.admin.patch(`${base}/users/${other.id}`, { firstName: 'Pruned' });
    await pruneChanges(h.storage.db, new Date(Date.now() + 60_000));
    await h.admin.patch(`${base}/users/${other.id}`, { firstName: 'Kept' });
    const resumed = await openEvents(url, 'default', h.admin.token as string, { changes: start });
    assert.equal((await resumed.next((m) => m.type === 'snapshot')).data.changesMissed, true, 'the change after its place is gone');
    await resumed.close();
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
