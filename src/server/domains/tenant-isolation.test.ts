import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { forEachEngine, passwordFor, userWithRoles, type Client } from '../../../test/harness.ts';

forEachEngine('tenant isolation', (h) => {
  let acmeAdmin: Client;
  let acmeUserId: string;
  let globexUserId: string;

  before(async () => {
    for (const name of ['acme.example', 'globex.example']) assert.equal((await h().admin.post('/api/v1/domains', { name, title: name })).status, 201);
    const acme = await userWithRoles(h(), 'boss', ['admin'], {}, 'acme.example');
    acmeAdmin = acme.client;
    acmeUserId = acme.id;
    globexUserId = (await userWithRoles(h(), 'secret-agent', ['agent'], {}, 'globex.example')).id;
  });

  it("answers another domain's resources as not found, never with data", async () => {
    for (const path of ['users', `users/${globexUserId}`, 'roles', 'roles/agent', 'groups', 'audit']) {
      const response = await acmeAdmin.get(`/api/v1/domains/globex.example/${path}`);
      assert.equal(response.status, 404, path);
      assert.equal(JSON.stringify(response.body).includes('secret-agent'), false);
    }
    assert.equal((await acmeAdmin.post('/api/v1/domains/globex.example/users', { login: 'intruder', roles: ['agent'] })).status, 404);
    assert.equal((await acmeAdmin.delete(`/api/v1/domains/globex.example/users/${globexUserId}`)).status, 404);
  });

  it("does not find another domain's user through its own domain's path", async () => {
    assert.equal((await acmeAdmin.get(`/api/v1/domains/acme.example/users/${globexUserId}`)).status, 404);
    assert.equal((await acmeAdmin.patch(`/api/v1/domains/acme.example/users/${globexUserId}`, { firstName: 'x' })).status, 404);
    assert.equal((await acmeAdmin.put(`/api/v1/domains/acme.example/groups/none/members/${globexUserId}`)).status, 404);
  });

  it('keeps domain administration to platform administrators', async () => {
    assert.equal((await acmeAdmin.get('/api/v1/domains')).status, 403);
    assert.equal((await acmeAdmin.post('/api/v1/domains', { name: 'rogue.example' })).status, 403);
    assert.equal((await acmeAdmin.patch('/api/v1/domains/acme.example', { title: 'mine' })).status, 403);
  });

  it('lets a platform administrator reach every domain', async () => {
    const list = await h().admin.get('/api/v1/domains/acme.example/users');
    assert.deepEqual(
      list.body.items.map((u: { id: string }) => u.id),
      [acmeUserId],
    );
    const domains = await h().admin.get('/api/v1/domains');
    assert.deepEqual(
      domains.body.items.map((d: { name: string }) => d.name),
      ['acme.example', 'default', 'globex.example'],
    );
  });

  it('gives every new domain its own built-in roles', async () => {
    const roles = await acmeAdmin.get('/api/v1/domains/acme.example/roles');
    assert.deepEqual(
      roles.body.items.map((r: { name: string; builtin: boolean }) => [r.name, r.builtin]),
      [
        ['admin', true],
        ['agent', true],
        ['supervisor', true],
      ],
    );
  });

  it('signs nobody in to a deactivated domain, and ends the sessions there', async () => {
    assert.equal((await h().admin.patch('/api/v1/domains/acme.example', { active: false })).status, 200);
    assert.equal((await acmeAdmin.get('/api/v1/me')).status, 401);
    const refused = await h().anonymous.post('/api/v1/auth/login', { domain: 'acme.example', login: 'boss', password: passwordFor('boss') });
    assert.equal(refused.status, 401);
    await h().admin.patch('/api/v1/domains/acme.example', { active: true });
  });

  it('gives a domain a SIP realm, its name unless set otherwise', async () => {
    assert.equal((await h().admin.get('/api/v1/domains/acme.example')).body.realm, 'acme.example');
    const created = await h().admin.post('/api/v1/domains', { name: 'realmy.example', realm: 'sip.realmy.example' });
    assert.equal(created.body.realm, 'sip.realmy.example');
    assert.equal((await h().admin.patch('/api/v1/domains/realmy.example', { realm: 'Not A Realm' })).status, 400);
    assert.equal((await h().admin.patch('/api/v1/domains/realmy.example', { realm: 'pbx.realmy.example' })).body.realm, 'pbx.realmy.example');
  });

  it('validates domain names and refuses duplicates', async () => {
    const bad = await h().admin.post('/api/v1/domains', { name: 'Not A Host!', colour: 'red' });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.errors.map((e: { path: string }) => e.path).sort(), ['colour', 'name']);
    assert.equal((await h().admin.post('/api/v1/domains', { name: 'acme.example' })).status, 409);
  });

  it('deletes a domain with everything in it, but not the one the administrator is in', async () => {
    assert.equal((await h().admin.delete('/api/v1/domains/default')).status, 403);
    assert.equal((await h().admin.delete('/api/v1/domains/globex.example')).status, 204);
    assert.equal((await h().admin.get('/api/v1/domains/globex.example')).status, 404);
    const left = await h().storage.db.selectFrom('users').select('id').where('id', '=', globexUserId).execute();
    assert.deepEqual(left, []);
  });
});
