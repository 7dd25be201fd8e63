import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { buildApp, type App } from '../app.ts';
import { openEvents } from '../../../test/events-client.ts';
import { clientFor, forEachEngine } from '../../../test/harness.ts';

const base = '/api/v1/domains/default';

/**
 * Built on the change feed: the event stream's directory events, which a client resumes after a
 * restart or on another process without missing any, and every process's read cache, which a
 * change made by another process evicts at once instead of after its 5 seconds.
 */
forEachEngine('followers of the change feed', (h) => {
  let other: App;
  before(async () => {
    // A second server on the same database: another process, with its own cache, buffer and feed reader.
    other = await buildApp({ storage: h().storage, config: h().config });
    await other.ready();
  });
  after(() => other.close());

  it('resumes directory events from the feed on a server that never saw them', async () => {
    const userId = (await h().admin.post(`${base}/users`, { login: 'resumer', roles: ['agent'] })).body.id;
    const first = await openEvents(await h().app.listen({ host: '127.0.0.1', port: 0 }), 'default', h().admin.token as string);
    const snapshot = await first.next((m) => m.type === 'snapshot');
    await first.close();
    await h().admin.patch(`${base}/users/${userId}`, { position: 'while away' });
    await h().admin.delete(`${base}/users/${userId}`);
    const resumed = await openEvents(await other.listen({ host: '127.0.0.1', port: 0 }), 'default', h().admin.token as string, {
      since: snapshot.seq,
      changes: snapshot.data.changes,
    });
    const updated = await resumed.next((m) => m.type === 'directory' && m.data.action === 'user.updated');
    const deleted = await resumed.next((m) => m.type === 'directory' && m.data.action === 'user.deleted');
    assert.deepEqual([updated.userId, deleted.userId, (deleted.change as number) - (updated.change as number)], [userId, userId, 1]);
    await resumed.close();
  });

  it('evicts the read cache of a server when another one changes what it cached', async () => {
    const userId = (await h().admin.post(`${base}/users`, { login: 'cached', roles: ['agent'] })).body.id;
    const reader = clientFor(other, h().admin.token);
    assert.equal((await reader.get(`${base}/users/${userId}`)).body.position, null, 'read, and so cached, by the other server');
    await h().admin.patch(`${base}/users/${userId}`, { position: 'changed elsewhere' });
    const deadline = Date.now() + 1500;
    let seen: string | null = null;
    while (seen !== 'changed elsewhere' && Date.now() < deadline) {
      seen = (await reader.get(`${base}/users/${userId}`)).body.position;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(seen, 'changed elsewhere', 'seen well before the 5-second cache would have let go');
  });

  it("evicts only the changed user's entries, and everything for a change of what many embed (a role)", async () => {
    const reader = clientFor(other, h().admin.token);
    /** Until the other server shows `position` of a user it had cached: its feed has then been read this far. */
    const seenElsewhere = async (id: string, position: string) => {
      const deadline = Date.now() + 3000;
      let seen: string | null = null;
      while (seen !== position && Date.now() < deadline) {
        seen = (await reader.get(`${base}/users/${id}`)).body.position;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return seen;
    };
    const bystander = (await h().admin.post(`${base}/users`, { login: 'kept', roles: ['agent'] })).body.id as string;
    const changed = (await h().admin.post(`${base}/users`, { login: 'evicted', roles: ['agent'] })).body.id as string;
    await reader.get(`${base}/users/${changed}`);
    await h().admin.patch(`${base}/users/${changed}`, { position: 'caught up' });
    assert.equal(await seenElsewhere(changed, 'caught up'), 'caught up', 'the other server has heard both creations');
    await reader.get(`${base}/users/${bystander}`);
    // Written behind every cache's back: only a read of the database sees it.
    await h().storage.db.updateTable('users').set({ position: 'behind the cache' }).where('id', '=', bystander).execute();
    await h().admin.patch(`${base}/users/${changed}`, { position: 'changed elsewhere' });
    assert.equal(await seenElsewhere(changed, 'changed elsewhere'), 'changed elsewhere');
    assert.equal((await reader.get(`${base}/users/${bystander}`)).body.position, null, "the bystander's cached view was kept");
    await h().admin.patch(`${base}/roles/agent`, { description: 'changed elsewhere' });
    assert.equal(await seenElsewhere(bystander, 'behind the cache'), 'behind the cache', 'a role change emptied the cache');
  });
});
