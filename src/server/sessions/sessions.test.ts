import assert from 'node:assert/strict';
import { it } from 'node:test';
import { clientFor, forEachEngine, passwordFor, userWithRoles, type Harness } from '../../../test/harness.ts';

const users = '/api/v1/domains/default/users';
const signIn = (h: Harness, login: string, remoteAddress = '127.0.0.1') =>
  h.app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress, payload: { domain: 'default', login, password: passwordFor(login) } });
const tokenOf = (response: { json(): unknown }) => (response.json() as { token: string }).token;

forEachEngine('sessions', (h) => {
  it('refuses a sign-in past the limit when the user is set to deny new sessions', async () => {
    await userWithRoles(h(), 'capped', ['agent'], { security: { maxSessions: 2, sessionLimit: 'deny-new' } });
    assert.equal((await signIn(h(), 'capped')).statusCode, 200);
    const third = await signIn(h(), 'capped');
    assert.equal(third.statusCode, 409);
    assert.equal((third.json() as { code: string }).code, 'auth.too_many_sessions');
  });

  it('ends the oldest session when the user is set to end-oldest', async () => {
    const { client: first } = await userWithRoles(h(), 'rolling', ['agent'], { security: { maxSessions: 2, sessionLimit: 'end-oldest' } });
    const second = clientFor(h().app, tokenOf(await signIn(h(), 'rolling')));
    const third = clientFor(h().app, tokenOf(await signIn(h(), 'rolling')));
    h().app.cache.invalidateAll();
    assert.equal((await first.get('/api/v1/me')).status, 401);
    assert.equal((await second.get('/api/v1/me')).status, 200);
    assert.equal((await third.get('/api/v1/me')).status, 200);
  });

  it('ends a session idle longer than the user’s timeout, and gives each its maximum age', async () => {
    const { id, client } = await userWithRoles(h(), 'dozy', ['agent'], { security: { sessionTimeout: 60, sessionMaxAge: 600 } });
    const expiresAt = Date.parse((await client.get('/api/v1/me/sessions')).body.items[0].expiresAt);
    assert.ok(Math.abs(expiresAt - (Date.now() + 600_000)) < 10_000);
    await h()
      .storage.db.updateTable('sessions')
      .set({ last_seen_at: new Date(Date.now() - 120_000).toISOString() })
      .where('user_id', '=', id)
      .execute();
    h().app.cache.invalidateAll();
    assert.equal((await client.get('/api/v1/me')).status, 401);
  });

  it('lists your own sessions and the current one, and ends one of them', async () => {
    const { client } = await userWithRoles(h(), 'multi', ['agent']);
    const other = tokenOf(await signIn(h(), 'multi'));
    const mine = await client.get('/api/v1/me/sessions');
    assert.equal(mine.body.items.length, 2);
    assert.deepEqual(mine.body.items.map((s: { current: boolean }) => s.current).sort(), [false, true]);
    const otherId = mine.body.items.find((s: { current: boolean }) => !s.current).id;
    assert.equal((await client.delete(`/api/v1/me/sessions/${otherId}`)).status, 204);
    h().app.cache.invalidateAll();
    assert.equal((await clientFor(h().app, other).get('/api/v1/me')).status, 401);
    assert.equal((await client.delete('/api/v1/me/sessions/nope')).status, 404);
  });

  it('shows an administrator a user’s sessions, with address and agent, and signs the user out everywhere', async () => {
    const { id, client } = await userWithRoles(h(), 'watched', ['agent']);
    const listed = await h().admin.get(`${users}/${id}/sessions`);
    assert.equal(listed.body.items.length, 1);
    assert.equal(listed.body.items[0].address, '127.0.0.1');
    assert.ok(listed.body.items[0].lastSeenAt);
    assert.equal((await h().admin.delete(`${users}/${id}/sessions`)).status, 204);
    assert.equal((await client.get('/api/v1/me')).status, 401);
    assert.equal((await h().admin.get(`/api/v1/domains/default/audit?target=${id}&action=user.signed_out`)).body.items.length, 1);
  });

  it('signs in only from the addresses of the user’s allow-list, v4 and v6, auditing a refusal', async () => {
    const { id } = await userWithRoles(h(), 'fenced', ['agent'], {}, 'default');
    await h().admin.patch(`${users}/${id}`, { security: { ipAllowList: ['192.0.2.0/24', '2001:db8::/32'] } });
    assert.equal((await signIn(h(), 'fenced', '192.0.2.44')).statusCode, 200);
    assert.equal((await signIn(h(), 'fenced', '2001:db8:5::1')).statusCode, 200);
    const outside = await signIn(h(), 'fenced', '198.51.100.1');
    assert.equal(outside.statusCode, 403);
    assert.equal((outside.json() as { code: string }).code, 'auth.ip_not_allowed');
    const log = await h().admin.get(`/api/v1/domains/default/audit?target=${id}&action=session.refused`);
    assert.deepEqual(log.body.items[0].changes.address, { from: null, to: '198.51.100.1' });
  });
});
