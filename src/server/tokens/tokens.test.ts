import assert from 'node:assert/strict';
import { it } from 'node:test';
import { clientFor, forEachEngine, userWithRoles } from '../../../test/harness.ts';

const users = '/api/v1/domains/default/users';

forEachEngine('API tokens', (h) => {
  it('are shown once, stored hashed, and act within their scope only', async () => {
    const created = await h().admin.post('/api/v1/me/tokens', { name: 'CRM sync', permissions: ['users:read'] });
    assert.equal(created.status, 201);
    assert.match(created.body.token, /^sbt_[A-Za-z0-9_-]{43}$/);
    const listed = await h().admin.get('/api/v1/me/tokens');
    assert.equal(JSON.stringify(listed.body).includes(created.body.token), false);
    const stored = await h().storage.db.selectFrom('api_tokens').selectAll().execute();
    assert.equal(JSON.stringify(stored).includes(created.body.token), false);

    const machine = clientFor(h().app, created.body.token);
    assert.equal((await machine.get(users)).status, 200);
    assert.equal((await machine.post(users, { login: 'by-token', roles: ['agent'] })).status, 403);
    assert.equal((await machine.get('/api/v1/domains')).status, 403, 'never platform-wide');
    assert.equal((await machine.post('/api/v1/me/tokens', { name: 'child', permissions: ['users:read'] })).status, 403, 'tokens do not make tokens');
    assert.ok((await h().admin.get('/api/v1/me/tokens')).body.items[0].lastUsedAt);
  });

  it('cannot hold more than their owner, when made or later', async () => {
    await h().admin.post('/api/v1/domains/default/roles', { name: 'reader', permissions: ['users:read', 'profile:read'] });
    const { id, client } = await userWithRoles(h(), 'integrator', ['reader']);
    const greedy = await client.post('/api/v1/me/tokens', { name: 'too much', permissions: ['users:read', 'users:delete'] });
    assert.equal(greedy.status, 403);
    assert.match(greedy.body.detail, /users:delete/);
    const token = (await client.post('/api/v1/me/tokens', { name: 'fine', permissions: ['users:read'] })).body.token;
    assert.equal((await clientFor(h().app, token).get(users)).status, 200);
    await h().admin.patch(`${users}/${id}`, { roles: ['agent'] });
    assert.equal((await clientFor(h().app, token).get(users)).status, 403, 'the owner lost users:read, so did the token');
  });

  it("are used only from the addresses of their owner's IP allow-list", async () => {
    const { id, client } = await userWithRoles(h(), 'fenced-machine', ['supervisor']);
    const token = (await client.post('/api/v1/me/tokens', { name: 'fenced', permissions: ['users:read'] })).body.token;
    await h().admin.patch(`${users}/${id}`, { security: { ipAllowList: ['192.0.2.0/24'] } });
    const from = (remoteAddress: string) => h().app.inject({ method: 'GET', url: users, remoteAddress, headers: { authorization: `Bearer ${token}` } });
    assert.equal((await from('192.0.2.10')).statusCode, 200);
    const outside = await from('198.51.100.10');
    assert.deepEqual([outside.statusCode, (outside.json() as { code: string }).code], [403, 'auth.ip_not_allowed']);
  });

  it('stop working when revoked, by the owner or an administrator, or when expired', async () => {
    const { id, client } = await userWithRoles(h(), 'revoker', ['supervisor']);
    const first = (await client.post('/api/v1/me/tokens', { name: 'one', permissions: ['users:read'] })).body;
    const second = (await client.post('/api/v1/me/tokens', { name: 'two', permissions: ['users:read'] })).body;
    const third = (await client.post('/api/v1/me/tokens', { name: 'three', permissions: ['users:read'], expiresIn: 3600 })).body;
    assert.equal((await client.delete(`/api/v1/me/tokens/${first.id}`)).status, 204);
    assert.equal((await clientFor(h().app, first.token).get(users)).status, 401);
    assert.equal((await h().admin.get(`${users}/${id}/tokens`)).body.items.length, 2);
    assert.equal((await h().admin.delete(`${users}/${id}/tokens/${second.id}`)).status, 204);
    assert.equal((await clientFor(h().app, second.token).get(users)).status, 401);
    await h()
      .storage.db.updateTable('api_tokens')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('id', '=', third.id)
      .execute();
    h().app.cache.invalidateAll();
    assert.equal((await clientFor(h().app, third.token).get(users)).status, 401);
  });
});
