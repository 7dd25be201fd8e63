import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ADMIN_PASSWORD, forEachEngine, passwordFor, userWithRoles } from '../../../test/harness.ts';

const login = '/api/v1/auth/login';

forEachEngine('authentication', (h) => {
  it('signs in with the login or the e-mail, answering a token, its expiry, the user and an HttpOnly cookie', async () => {
    await h().admin.post('/api/v1/domains/default/users', {
      login: 'maria',
      email: 'maria@example.com',
      password: 'Copper-Kettle-Sings-58!',
      roles: ['agent'],
    });
    for (const name of ['maria', 'MARIA@example.com']) {
      const response = await h().anonymous.post(login, { domain: 'default', login: name, password: 'Copper-Kettle-Sings-58!' });
      assert.equal(response.status, 200, name);
      assert.match(response.body.token, /^[A-Za-z0-9_-]{43}$/);
      assert.ok(Date.parse(response.body.expiresAt) > Date.now() + 11 * 3600_000);
      assert.equal(response.body.user.login, 'maria');
      const cookie = String(response.headers['set-cookie']);
      assert.match(cookie, /^switchboard_session=[A-Za-z0-9_-]{43};/);
      assert.match(cookie, /HttpOnly/);
      assert.match(cookie, /SameSite=Strict/);
    }
  });

  it('answers a wrong password, an unknown login and an unknown domain with the same 401', async () => {
    const answers = await Promise.all([
      h().anonymous.post(login, { domain: 'default', login: 'admin', password: 'wrong-password' }),
      h().anonymous.post(login, { domain: 'default', login: 'nobody', password: 'wrong-password' }),
      h().anonymous.post(login, { domain: 'atlantis', login: 'admin', password: 'wrong-password' }),
    ]);
    for (const answer of answers) {
      assert.equal(answer.status, 401);
      assert.equal(answer.headers['set-cookie'], undefined);
    }
    // Alike but for `instance`, each request's own id.
    const bodies = answers.map((a) => JSON.stringify({ ...a.body, instance: undefined }));
    assert.equal(new Set(bodies).size, 1, bodies.join('\n'));
  });

  it('refuses disabled and deleted accounts the same way', async () => {
    const { id } = await userWithRoles(h(), 'to-disable', ['agent']);
    await h().admin.patch(`/api/v1/domains/default/users/${id}`, { active: false });
    const disabled = await h().anonymous.post(login, { domain: 'default', login: 'to-disable', password: passwordFor('to-disable') });
    assert.equal(disabled.status, 401);
    assert.equal(disabled.body.code, 'auth.invalid_credentials');
    const gone = await userWithRoles(h(), 'to-delete', ['agent']);
    await h().admin.delete(`/api/v1/domains/default/users/${gone.id}`);
    const deleted = await h().anonymous.post(login, { domain: 'default', login: 'to-delete', password: passwordFor('to-delete') });
    assert.deepEqual({ ...deleted.body, instance: undefined }, { ...disabled.body, instance: undefined }, 'alike but for each request’s own id');
    assert.equal((await gone.client.get('/api/v1/me')).status, 401);
  });

  it('answers /me with the user and the union of role and group permissions', async () => {
    await h().admin.post('/api/v1/domains/default/roles', { name: 'auditor', permissions: ['audit:read'] });
    await h().admin.post('/api/v1/domains/default/groups', { name: 'Compliance', roles: ['auditor'] });
    const { client } = await userWithRoles(h(), 'gina', ['agent'], { groups: ['Compliance'] });
    const me = await client.get('/api/v1/me');
    assert.equal(me.status, 200);
    assert.equal(me.body.user.login, 'gina');
    assert.deepEqual(me.body.permissions, ['audit:read', 'profile:read', 'profile:update']);
  });

  it('works with the cookie alone, and ends the session on logout', async () => {
    const signedIn = await h().anonymous.post(login, { domain: 'default', login: 'admin', password: ADMIN_PASSWORD });
    const cookie = `switchboard_session=${signedIn.body.token}`;
    assert.equal((await h().anonymous.get('/api/v1/me', { cookie })).status, 200);
    assert.equal((await h().anonymous.post('/api/v1/auth/logout', undefined, { cookie })).status, 204);
    const after = await h().anonymous.get('/api/v1/me', { cookie });
    assert.equal(after.status, 401);
    assert.equal(after.body.code, 'auth.not_authenticated');
  });

  it('ends every session of a user whose password is changed or who is deactivated', async () => {
    const { id, client } = await userWithRoles(h(), 'rotated', ['agent']);
    assert.equal((await client.get('/api/v1/me')).status, 200);
    await h().admin.patch(`/api/v1/domains/default/users/${id}`, { password: 'Brand-New-Orchard-71?' });
    assert.equal((await client.get('/api/v1/me')).status, 401);
  });

  it('lets a user change their own profile but not their roles', async () => {
    const { client } = await userWithRoles(h(), 'selfie', ['agent']);
    const changed = await client.patch('/api/v1/me', { firstName: 'Selma', timezone: 'Europe/Kyiv' });
    assert.equal(changed.status, 200);
    assert.equal(changed.body.firstName, 'Selma');
    const escalation = await client.patch('/api/v1/me', { roles: ['admin'] });
    assert.equal(escalation.status, 400);
    assert.deepEqual(
      escalation.body.errors.map((e: { path: string }) => e.path),
      ['roles'],
    );
  });

  it('refuses requests without a session, or with a made-up token', async () => {
    assert.equal((await h().anonymous.get('/api/v1/domains/default/users')).status, 401);
    const forged = await h().anonymous.get('/api/v1/me', { authorization: 'Bearer forged-token' });
    assert.equal(forged.status, 401);
  });
});

forEachEngine('changing your own password', (h) => {
  it('needs the current password, and then ends your sessions', async () => {
    const { client } = await userWithRoles(h(), 'changer', ['agent']);
    const missing = await client.patch('/api/v1/me', { password: 'Fresh-Orchid-Dawn-35!' });
    assert.deepEqual(
      missing.body.errors.map((e: { path: string }) => e.path),
      ['currentPassword'],
    );
    const wrong = await client.patch('/api/v1/me', { password: 'Fresh-Orchid-Dawn-35!', currentPassword: 'guess' });
    assert.deepEqual(
      wrong.body.errors.map((e: { code: string }) => e.code),
      ['password.current_wrong'],
    );
    const weak = await client.patch('/api/v1/me', { password: 'password', currentPassword: passwordFor('changer') });
    assert.ok(weak.body.errors.some((e: { code: string }) => e.code === 'password.too_weak'));
    const changed = await client.patch('/api/v1/me', { password: 'Fresh-Orchid-Dawn-35!', currentPassword: passwordFor('changer') });
    assert.equal(changed.status, 200);
    assert.equal((await client.get('/api/v1/me')).status, 401);
    assert.equal((await h().anonymous.post('/api/v1/auth/login', { domain: 'default', login: 'changer', password: 'Fresh-Orchid-Dawn-35!' })).status, 200);
  });
});
