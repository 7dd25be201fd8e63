import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { clientFor, forEachEngine, userWithRoles, type Client } from '../../../test/harness.ts';

/**
 * The attack: a token scoped to `users:read` ended its owner's sessions and enrolled TOTP on its
 * owner, after which only the token's holder had the seed. Every /me route now needs a scope, and
 * a token never manages its owner's credentials, sessions or tokens.
 */
forEachEngine('an API token on its owner’s account', (h) => {
  let owner: Client;
  const tokenWith = async (permissions: string[]) =>
    clientFor(h().app, (await owner.post('/api/v1/me/tokens', { name: permissions.join(' '), permissions })).body.token as string);

  before(async () => {
    await h().admin.post('/api/v1/domains/default/roles', { name: 'reader', permissions: ['users:read', 'profile:read', 'profile:update'] });
    owner = (await userWithRoles(h(), 'token.owner', ['reader'], { email: 'owner@example.com' })).client;
  });

  const sessionOnly = (response: { status: number; body: { code?: string } }) =>
    assert.deepEqual([response.status, response.body.code], [403, 'auth.session_required'], JSON.stringify(response.body));

  it('cannot end its owner’s sessions', async () => {
    const token = await tokenWith(['users:read']);
    const [session] = (await owner.get('/api/v1/me/sessions')).body.items;
    sessionOnly(await token.delete(`/api/v1/me/sessions/${session.id}`));
    sessionOnly(await token.get('/api/v1/me/sessions'));
    assert.equal((await owner.get('/api/v1/me')).status, 200, 'the owner is still signed in');
  });

  it('cannot enrol or confirm two-factor authentication on its owner', async () => {
    const token = await tokenWith(['users:read', 'profile:update']);
    sessionOnly(await token.post('/api/v1/me/totp'));
    sessionOnly(await token.post('/api/v1/me/totp/confirm', { code: '123456' }));
    assert.equal((await owner.get('/api/v1/me')).body.user.security.twoFactor, 'none');
  });

  it('cannot make, list or revoke tokens', async () => {
    const token = await tokenWith(['users:read']);
    sessionOnly(await token.post('/api/v1/me/tokens', { name: 'child', permissions: ['users:read'] }));
    sessionOnly(await token.get('/api/v1/me/tokens'));
    sessionOnly(await token.delete('/api/v1/me/tokens/whatever'));
  });

  it('reads /me only with profile:read, and changes the profile but not the password or e-mail with profile:update', async () => {
    assert.equal((await (await tokenWith(['users:read'])).get('/api/v1/me')).status, 403);
    assert.equal((await (await tokenWith(['profile:read'])).get('/api/v1/me')).status, 200);
    const writer = await tokenWith(['profile:update']);
    sessionOnly(await writer.patch('/api/v1/me', { email: 'holder@example.com' }));
    sessionOnly(await writer.patch('/api/v1/me', { password: 'Token-Holder-Owns-It-7!', currentPassword: 'unknown' }));
    assert.equal((await writer.patch('/api/v1/me', { firstName: 'Renamed' })).status, 200);
    assert.equal((await owner.get('/api/v1/me')).body.user.email, 'owner@example.com');
  });

  it('signing out with a token revokes that token, and only it', async () => {
    const [kept, ended] = [await tokenWith(['users:read']), await tokenWith(['profile:read'])];
    assert.equal((await ended.post('/api/v1/auth/logout')).status, 204);
    assert.equal((await ended.get('/api/v1/me')).status, 401, 'the token no longer works');
    assert.equal((await kept.get('/api/v1/domains/default/users')).status, 200);
    assert.equal((await owner.get('/api/v1/me')).status, 200, 'the owner’s session goes on');
  });
});
