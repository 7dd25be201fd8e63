import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachEngine, userWithRoles } from '../../../test/harness.ts';

const base = '/api/v1/domains/default';

forEachEngine('roles and groups', (h) => {
  it('creates, renames and deletes a role, which is addressed by its name', async () => {
    const created = await h().admin.post(`${base}/roles`, { name: 'Quality', description: 'QA team', permissions: ['users:read', 'audit:read'] });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body.permissions, ['users:read', 'audit:read']);
    assert.equal((await h().admin.post(`${base}/roles`, { name: 'quality' })).status, 409);
    const renamed = await h().admin.patch(`${base}/roles/quality`, { name: 'Quality assurance' });
    assert.equal(renamed.body.name, 'Quality assurance');
    assert.equal((await h().admin.get(`${base}/roles/Quality%20assurance`)).status, 200);
    assert.equal((await h().admin.delete(`${base}/roles/Quality%20assurance`)).status, 204);
    assert.equal((await h().admin.get(`${base}/roles/Quality%20assurance`)).status, 404);
  });

  it('refuses unknown permissions, naming each', async () => {
    const response = await h().admin.post(`${base}/roles`, { name: 'Bad', permissions: ['users:read', 'users:fly', 'domains:create'] });
    assert.equal(response.status, 400);
    assert.deepEqual(
      response.body.errors.map((e: { path: string }) => e.path),
      ['permissions/1', 'permissions/2'],
    );
  });

  it('keeps built-in roles: admin cannot change, none can be deleted or renamed', async () => {
    assert.equal((await h().admin.patch(`${base}/roles/admin`, { permissions: [] })).status, 403);
    assert.equal((await h().admin.delete(`${base}/roles/agent`)).status, 403);
    assert.equal((await h().admin.patch(`${base}/roles/agent`, { name: 'operator' })).status, 403);
    assert.equal((await h().admin.patch(`${base}/roles/agent`, { description: 'Takes calls' })).status, 200);
  });

  it('refuses to delete a role someone holds, saying who', async () => {
    await h().admin.post(`${base}/roles`, { name: 'held', permissions: [] });
    await userWithRoles(h(), 'holder', ['held']);
    const refused = await h().admin.delete(`${base}/roles/held`);
    assert.equal(refused.status, 409);
    assert.match(refused.body.detail, /1 user/);
  });

  it('grants the roles of a group to its members, and takes them back on leaving', async () => {
    await h().admin.post(`${base}/roles`, { name: 'reader', permissions: ['users:read'] });
    await h().admin.post(`${base}/groups`, { name: 'Readers', roles: ['reader'] });
    const { id, client } = await userWithRoles(h(), 'member', ['agent']);
    assert.equal((await client.get(`${base}/users`)).status, 403);
    assert.equal((await h().admin.put(`${base}/groups/readers/members/${id}`)).status, 204);
    assert.equal((await client.get(`${base}/users`)).status, 200);
    const group = await h().admin.get(`${base}/groups/readers`);
    assert.deepEqual([group.body.roles, group.body.memberCount], [['reader'], 1]);
    assert.deepEqual((await h().admin.get(`${base}/users/${id}`)).body.groups, ['Readers']);
    assert.equal((await h().admin.delete(`${base}/groups/readers/members/${id}`)).status, 204);
    assert.equal((await client.get(`${base}/users`)).status, 403);
  });

  it('refuses any change that would leave the domain without an administrator', async () => {
    const me = (await h().admin.get('/api/v1/me')).body.user;
    const url = `${base}/users/${me.id}`;
    for (const change of [{ active: false }, { roles: ['agent'], domainAdmin: false }]) {
      const refused = await h().admin.patch(url, change);
      assert.equal(refused.status, 409, JSON.stringify(change));
      assert.equal(refused.body.code, 'domain.last_administrator');
    }
    assert.equal((await h().admin.delete(url)).status, 409);
    const still = await h().admin.get(url);
    assert.deepEqual([still.body.active, still.body.roles, still.body.domainAdmin], [true, ['admin'], true]);

    // An administrator through a group counts; removing the group's admin role is then refused.
    await h().admin.post(`${base}/groups`, { name: 'Admins', roles: ['admin'] });
    const deputy = await userWithRoles(h(), 'deputy', ['agent'], { groups: ['Admins'] });
    assert.equal((await h().admin.patch(url, { roles: ['agent'], domainAdmin: false })).status, 200);
    assert.equal((await h().admin.patch(`${base}/groups/admins`, { roles: [] })).status, 409);
    assert.equal((await h().admin.patch(`${base}/users/${deputy.id}`, { groups: [] })).status, 409, 'nor may the deputy leave the group');
    assert.equal((await h().admin.delete(`${base}/groups/admins`)).status, 409);
    // A domain administrator changes no platform administrator (issue: taking over an account); the platform administrator restores itself.
    assert.equal((await deputy.client.patch(url, { roles: ['admin'] })).body.code, 'user.platform_admin_protected');
    assert.equal((await h().admin.patch(url, { roles: ['admin'] })).status, 200);
  });

  it('bumps the ETag of a user whose groups change', async () => {
    await h().admin.post(`${base}/groups`, { name: 'Night shift' });
    const { id } = await userWithRoles(h(), 'nightowl', ['agent']);
    const before = await h().admin.get(`${base}/users/${id}`);
    await h().admin.put(`${base}/groups/night%20shift/members/${id}`);
    const stale = await h().admin.patch(`${base}/users/${id}`, { firstName: 'Owl' }, { 'if-match': before.headers.etag as string });
    assert.equal(stale.status, 412);
  });
});
