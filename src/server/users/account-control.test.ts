import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { ADMIN_PASSWORD, forEachEngine, passwordFor, userWithRoles, type Client } from '../../../test/harness.ts';

const base = '/api/v1/domains/default';

/**
 * The attack: a role that may only read and edit users took over the platform administrator by
 * changing their password, allow-list, e-mail, 2FA, activation and sessions. Now a change to an
 * account's credentials, security, e-mail, activation or sessions needs every permission the
 * account holds, and platform administrators are changed only by platform administrators.
 */
forEachEngine('taking over a more powerful account', (h) => {
  let mallory: Client;
  let adminId: string;
  let dora: { id: string; client: Client };
  let agentId: string;

  before(async () => {
    await h().admin.post(`${base}/roles`, { name: 'editor', permissions: ['users:read', 'users:update'] });
    await h().admin.post(`${base}/roles`, { name: 'bulk-editor', permissions: ['users:read', 'users:update', 'users:delete', 'users:create'] });
    mallory = (await userWithRoles(h(), 'mallory', ['editor'])).client;
    adminId = (await h().admin.get('/api/v1/me')).body.user.id;
    dora = await userWithRoles(h(), 'dora', ['agent'], { domainAdmin: true, email: 'dora@example.com' });
    agentId = (await userWithRoles(h(), 'plain.agent', ['agent'])).id;
  });

  const refused = (response: { status: number; body: { type?: string; code?: string } }, code: string) => {
    assert.equal(response.status, 403, JSON.stringify(response.body));
    assert.match(JSON.stringify(response.body), new RegExp(code));
  };

  it('cannot set a platform administrator’s password and sign in as them', async () => {
    const stolen = 'Stolen-Keys-Of-The-Kingdom-9!';
    refused(await mallory.patch(`${base}/users/${adminId}`, { password: stolen }), 'user.platform_admin_protected');
    assert.equal((await h().anonymous.post('/api/v1/auth/login', { domain: 'default', login: 'admin', password: stolen })).status, 401);
    assert.equal((await h().anonymous.post('/api/v1/auth/login', { domain: 'default', login: 'admin', password: ADMIN_PASSWORD })).status, 200);
  });

  it('cannot lock the administrator out with an allow-list, take their e-mail, deactivate them or drop their 2FA', async () => {
    for (const change of [
      { security: { ipAllowList: ['203.0.113.7/32'] } },
      { email: 'mallory@example.com' },
      { active: false },
      { security: { twoFactor: 'none' } },
      { login: 'not-admin' },
      { firstName: 'Owned' },
    ]) {
      refused(await mallory.patch(`${base}/users/${adminId}`, change), 'user.platform_admin_protected');
    }
    const admin = (await h().admin.get(`${base}/users/${adminId}`)).body;
    assert.deepEqual([admin.security.ipAllowList, admin.email, admin.active, admin.login, admin.firstName === 'Owned'], [[], null, true, 'admin', false]);
    refused(await mallory.delete(`${base}/users/${adminId}/totp`), 'user.platform_admin_protected');
  });

  it('cannot end the administrator’s sessions, unlock them, revoke their tokens or hand out a reset token', async () => {
    refused(await mallory.delete(`${base}/users/${adminId}/sessions`), 'user.platform_admin_protected');
    refused(await mallory.delete(`${base}/users/${adminId}/sessions/any`), 'user.platform_admin_protected');
    refused(await mallory.post(`${base}/users/${adminId}/unlock`), 'user.platform_admin_protected');
    refused(await mallory.delete(`${base}/users/${adminId}/tokens/any`), 'user.platform_admin_protected');
    refused(await mallory.post(`${base}/users/${adminId}/password-reset`, {}), 'user.platform_admin_protected');
    assert.equal((await h().admin.get('/api/v1/me')).status, 200, 'the administrator is still signed in');
  });

  it('cannot force a password change on, or take over, a domain administrator', async () => {
    for (const change of [
      { passwordChangeRequired: true },
      { password: 'Another-Long-Secret-77!' },
      { email: 'x@example.com' },
      { active: false },
      { domainAdmin: false },
    ]) {
      refused(await mallory.patch(`${base}/users/${dora.id}`, change), 'user.holds_more_permissions');
    }
    refused(await mallory.delete(`${base}/users/${dora.id}/sessions`), 'user.holds_more_permissions');
    refused(await mallory.post(`${base}/users/${dora.id}/password-reset`, {}), 'user.holds_more_permissions');
    refused(await mallory.delete(`${base}/users/${dora.id}/totp`), 'user.holds_more_permissions');
    assert.equal((await dora.client.get('/api/v1/me')).status, 200);
    const after = (await h().admin.get(`${base}/users/${dora.id}`)).body;
    assert.deepEqual([after.passwordChangeRequired, after.active, after.domainAdmin, after.email], [false, true, true, 'dora@example.com']);
  });

  it('still edits what a more powerful account does not sign in with, and takes charge of accounts holding less', async () => {
    assert.equal((await mallory.patch(`${base}/users/${dora.id}`, { position: 'Team lead' })).status, 200);
    assert.equal((await mallory.patch(`${base}/users/${agentId}`, { password: passwordFor('plain.agent.2'), passwordChangeRequired: true })).status, 200);
    assert.equal((await mallory.delete(`${base}/users/${agentId}/sessions`)).status, 204);
  });

  it('cannot do the same through bulk edit, bulk delete or an import that updates', async () => {
    const bulky = (await userWithRoles(h(), 'bulky', ['bulk-editor'])).client;
    refused(await bulky.post(`${base}/users/bulk`, { ids: [adminId], set: { active: false } }), 'user.platform_admin_protected');
    refused(await bulky.post(`${base}/users/bulk`, { ids: [agentId, dora.id], set: { active: false } }), 'user.holds_more_permissions');
    refused(await bulky.post(`${base}/users/bulk-delete`, { ids: [dora.id], confirm: 1 }), 'user.holds_more_permissions');
    refused(await bulky.delete(`${base}/users/${dora.id}`), 'user.holds_more_permissions');
    const imported = await h().app.inject({
      method: 'POST',
      url: `${base}/users/import?onExisting=update`,
      payload: 'login;email\nadmin;bulky@example.com\ndora;bulky2@example.com\n',
      headers: { 'content-type': 'text/csv', authorization: `Bearer ${bulky.token}` },
    });
    assert.notEqual(imported.statusCode, 200, imported.body);
    assert.match(imported.body, /user\.platform_admin_protected|user\.holds_more_permissions|permissions you do not|platform administrator/);
    const [admin, target] = await Promise.all([h().admin.get(`${base}/users/${adminId}`), h().admin.get(`${base}/users/${dora.id}`)]);
    assert.deepEqual(
      [admin.body.email, admin.body.active, target.body.email, target.body.active, target.body.deletedAt],
      [null, true, 'dora@example.com', true, null],
    );
  });
});
