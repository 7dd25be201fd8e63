import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachEngine, passwordFor, userWithRoles } from '../../../test/harness.ts';
import { currentCode } from '../../../test/authenticator.ts';

const base = '/api/v1/domains/default';

forEachEngine('the user card fields of the manuals', (h) => {
  it('asks one user, not the whole role, to enrol in two-factor authentication before anything else', async () => {
    const { id } = await userWithRoles(h(), 'asked-2fa', ['agent']);
    const { client: colleague } = await userWithRoles(h(), 'not-asked-2fa', ['agent']);
    const required = await h().admin.patch(`${base}/users/${id}`, { security: { requireTwoFactor: true } });
    assert.equal(required.status, 200);
    assert.deepEqual([required.body.security.requireTwoFactor, required.body.security.twoFactor], [true, 'none']);
    const again = await h().signIn('default', 'asked-2fa', passwordFor('asked-2fa'));
    const blocked = await again.get('/api/v1/domains/default/presence');
    assert.deepEqual([blocked.status, blocked.body.code], [403, 'auth.two_factor_enrollment_required']);
    assert.equal((await colleague.get('/api/v1/me')).body.user.security.requireTwoFactor, false);
    const { secret } = (await again.post('/api/v1/me/totp')).body;
    assert.equal((await again.post('/api/v1/me/totp/confirm', { code: currentCode(secret) })).status, 200);
    assert.equal((await again.get(`${base}/users/${id}`)).body.security.twoFactor, 'totp');
  });

  it('keeps the languages an agent speaks to clients, canonical, apart from the console language, and follows the domain when none are set', async () => {
    const made = await h().admin.post(`${base}/users`, {
      login: 'polyglot',
      roles: ['agent'],
      language: 'en',
      agent: { enabled: true, clientLanguages: ['PL', 'en-gb'] },
    });
    assert.equal(made.status, 201);
    assert.deepEqual(
      [made.body.language, made.body.agent.clientLanguages, made.body.agent.inherited.includes('clientLanguages')],
      ['en', ['pl', 'en-GB'], false],
    );
    const refused = await h().admin.patch(`${base}/users/${made.body.id}`, { agent: { clientLanguages: ['pl', 'PL', 'not a language!'] } });
    assert.equal(refused.status, 400);
    assert.deepEqual(refused.body.errors.map((e: { path: string }) => e.path).sort(), ['agent/clientLanguages', 'agent/clientLanguages/2']);
    assert.deepEqual((await h().admin.get(`${base}/users/${made.body.id}`)).body.agent.clientLanguages, ['pl', 'en-GB'], 'bad input wrote nothing');
    assert.equal((await h().admin.put(`${base}/agent-defaults`, { clientLanguages: ['cs'] })).status, 200);
    const following = await h().admin.patch(`${base}/users/${made.body.id}`, { agent: { clientLanguages: null } });
    assert.deepEqual([following.body.agent.clientLanguages, following.body.agent.inherited.includes('clientLanguages')], [['cs'], true]);
    await h().admin.put(`${base}/agent-defaults`, {});
  });

  it('says a reversed range ends before it starts, at its end, and creates nothing', async () => {
    const reversed = await h().admin.post(`${base}/users/range`, { from: '7310', to: '7300' });
    assert.equal(reversed.status, 400);
    assert.deepEqual(
      reversed.body.errors.map((e: { path: string; message: string }) => [e.path, e.message]),
      [['to', "The range ends before it starts: 'to' must not be below 'from'"]],
    );
    assert.equal((await h().admin.get(`${base}/users?q=730`)).body.items.length, 0);
    const settings = await h().admin.put(`${base}/sip-settings`, { extensionRange: { from: '5999', to: '5000' } });
    assert.deepEqual(
      settings.body.errors.map((e: { path: string; message: string }) => [e.path, e.message]),
      [['extensionRange/to', "The range ends before it starts: 'to' must not be below 'from'"]],
    );
  });
});
