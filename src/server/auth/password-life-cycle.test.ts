import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachEngine, passwordFor, userWithRoles } from '../../../test/harness.ts';
import { currentCode } from '../../../test/authenticator.ts';

const users = '/api/v1/domains/default/users';

forEachEngine('password life cycle and required two-factor', (h) => {
  it('makes a user with a forced change set a new password before anything else', async () => {
    const { id, client } = await userWithRoles(h(), 'temporary', ['supervisor'], { passwordChangeRequired: true });
    assert.equal((await client.get('/api/v1/me')).status, 200);
    const blocked = await client.get(`${users}/${id}`);
    assert.deepEqual([blocked.status, blocked.body.code], [403, 'auth.password_change_required']);
    assert.equal((await client.patch('/api/v1/me', { password: 'Chosen-By-Me-Now-62!', currentPassword: passwordFor('temporary') })).status, 200);
    const again = await h().signIn('default', 'temporary', 'Chosen-By-Me-Now-62!');
    assert.equal((await again.get(`${users}/${id}`)).body.passwordChangeRequired, false);
    assert.equal((await again.get(users)).status, 200);
  });

  it('issues one-time reset tokens that set a new password once, refusing weak ones without spending the token', async () => {
    const { id, client } = await userWithRoles(h(), 'forgot', ['agent']);
    const issued = await h().admin.post(`${users}/${id}/password-reset`, {});
    assert.equal(issued.status, 201);
    const reset = (password: string, token = issued.body.token) => h().anonymous.post('/api/v1/auth/password-reset', { domain: 'default', token, password });
    const weak = await reset('password1');
    assert.ok(weak.body.errors.some((e: { code: string }) => e.code === 'password.too_weak'));
    assert.equal((await reset('Remembered-Again-Pine-48!')).status, 204);
    assert.equal((await reset('Remembered-Again-Pine-49!')).body.code, 'password.reset_token_invalid');
    assert.equal((await client.get('/api/v1/me')).status, 401, 'the reset ended the sessions');
    assert.equal((await h().anonymous.post('/api/v1/auth/login', { domain: 'default', login: 'forgot', password: 'Remembered-Again-Pine-48!' })).status, 200);
    const stored = await h().storage.db.selectFrom('password_reset_tokens').selectAll().execute();
    assert.equal(JSON.stringify(stored).includes(issued.body.token), false, 'only a hash of the token is kept');
  });

  it('refuses an expired reset token', async () => {
    const { id } = await userWithRoles(h(), 'late', ['agent']);
    const issued = await h().admin.post(`${users}/${id}/password-reset`, { expiresIn: 300 });
    await h()
      .storage.db.updateTable('password_reset_tokens')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('user_id', '=', id)
      .execute();
    const answer = await h().anonymous.post('/api/v1/auth/password-reset', { domain: 'default', token: issued.body.token, password: 'Too-Late-For-This-31!' });
    assert.equal(answer.body.code, 'password.reset_token_invalid');
  });

  it('makes holders of a role that requires two-factor enrol before anything else', async () => {
    await h().admin.post('/api/v1/domains/default/roles', { name: 'cautious', permissions: ['users:read'], requireTwoFactor: true });
    const { client } = await userWithRoles(h(), 'careful', ['cautious']);
    const blocked = await client.get(users);
    assert.deepEqual([blocked.status, blocked.body.code], [403, 'auth.two_factor_enrollment_required']);
    const { secret } = (await client.post('/api/v1/me/totp')).body;
    assert.equal((await client.post('/api/v1/me/totp/confirm', { code: currentCode(secret) })).status, 200);
    assert.equal((await client.get(users)).status, 200);
  });

  it('makes every user of a domain that requires two-factor enrol first', async () => {
    await h().admin.post('/api/v1/domains', { name: 'strict.example' });
    assert.equal((await h().admin.patch('/api/v1/domains/strict.example', { requireTwoFactor: true })).body.requireTwoFactor, true);
    const { client } = await userWithRoles(h(), 'newcomer', ['admin'], {}, 'strict.example');
    assert.equal((await client.get('/api/v1/domains/strict.example/users')).body.code, 'auth.two_factor_enrollment_required');
    assert.equal((await client.get('/api/v1/me')).status, 200);
  });
});
