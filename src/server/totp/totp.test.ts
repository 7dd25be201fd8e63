import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forEachEngine, passwordFor, userWithRoles } from '../../../test/harness.ts';
import { currentCode } from '../../../test/authenticator.ts';
import { acceptedStep, newEnrolment, newRecoveryCodes, recoveryCodeHash } from './rules.ts';

describe('TOTP rules (RFC 6238)', () => {
  const { secret } = newEnrolment('ann@default');
  const now = Date.UTC(2026, 10, 23, 12, 0, 10);
  const step = Math.floor(now / 30_000);

  it('accepts the current code and one step of drift either way, nothing further', () => {
    assert.equal(acceptedStep(secret, currentCode(secret, now), null, now), step);
    assert.equal(acceptedStep(secret, currentCode(secret, now - 30_000), null, now), step - 1);
    assert.equal(acceptedStep(secret, currentCode(secret, now + 30_000), null, now), step + 1);
    assert.equal(acceptedStep(secret, currentCode(secret, now - 60_000), null, now), null);
    assert.equal(acceptedStep(secret, 'abcdef', null, now), null);
  });

  it('accepts a code once: not again, nor an older one', () => {
    assert.equal(acceptedStep(secret, currentCode(secret, now), step, now), null);
    assert.equal(acceptedStep(secret, currentCode(secret, now - 30_000), step, now), null);
    assert.equal(acceptedStep(secret, currentCode(secret, now + 30_000), step, now), step + 1);
  });

  it('makes ten distinct recovery codes, keeping only their hashes', () => {
    const { codes, hashes } = newRecoveryCodes();
    assert.equal(new Set(codes).size, 10);
    for (const code of codes) assert.match(code, /^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{2}$/);
    assert.deepEqual(hashes, codes.map(recoveryCodeHash));
    assert.equal(recoveryCodeHash(` ${codes[0]!.toUpperCase()} `), hashes[0]);
  });
});

forEachEngine('two-factor authentication', (h) => {
  const signIn = (body: Record<string, unknown>) =>
    h().anonymous.post('/api/v1/auth/login', { domain: 'default', login: 'twofa', password: passwordFor('twofa'), ...body });

  it('enrols, confirms with a first code, then asks for a code at every sign-in, each code good once', async () => {
    const { id, client } = await userWithRoles(h(), 'twofa', ['agent']);
    const enrolment = await client.post('/api/v1/me/totp');
    assert.equal(enrolment.status, 200);
    assert.match(enrolment.body.uri, /^otpauth:\/\/totp\/Switchboard:twofa%40default\?issuer=Switchboard&secret=[A-Z2-7]+&algorithm=SHA1&digits=6&period=30$/);
    const secret = enrolment.body.secret as string;

    const wrong = await client.post('/api/v1/me/totp/confirm', { code: '000000' });
    assert.deepEqual([wrong.status, wrong.body.errors[0].code], [400, 'totp.invalid_code']);
    const confirming = currentCode(secret);
    const confirmed = await client.post('/api/v1/me/totp/confirm', { code: confirming });
    assert.equal(confirmed.status, 200);
    assert.equal(confirmed.body.recoveryCodes.length, 10);
    assert.equal((await h().admin.get(`/api/v1/domains/default/users/${id}`)).body.security.twoFactor, 'totp');

    const stored = await h().storage.db.selectFrom('users').select('totp_secret').where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(stored.totp_secret?.includes(secret), false, 'the seed is sealed at rest');

    const bare = await signIn({});
    assert.deepEqual([bare.status, bare.body.code], [401, 'auth.two_factor_required']);
    // The very code, not the current one: a time step may have ended since the confirmation.
    const replayed = await signIn({ totp: confirming });
    assert.deepEqual([replayed.status, replayed.body.code], [401, 'auth.invalid_two_factor'], 'the confirming code is spent');
    const next = currentCode(secret, Date.now() + 30_000);
    assert.equal((await signIn({ totp: next })).status, 200);
    assert.equal((await signIn({ totp: next })).status, 401, 'a code is accepted once');

    const [recovery] = confirmed.body.recoveryCodes as string[];
    assert.equal((await signIn({ recoveryCode: recovery })).status, 200);
    assert.equal((await signIn({ recoveryCode: recovery })).status, 401, 'a recovery code is spent');
  });

  it('lets an administrator reset it, after which the password alone signs in', async () => {
    const { id } = await userWithRoles(h(), 'lostphone', ['agent']);
    const client = await h().signIn('default', 'lostphone', passwordFor('lostphone'));
    const { secret } = (await client.post('/api/v1/me/totp')).body;
    await client.post('/api/v1/me/totp/confirm', { code: currentCode(secret) });
    const password = { domain: 'default', login: 'lostphone', password: passwordFor('lostphone') };
    assert.equal((await h().anonymous.post('/api/v1/auth/login', password)).status, 401);
    assert.equal((await h().admin.delete(`/api/v1/domains/default/users/${id}/totp`)).status, 204);
    assert.equal((await h().anonymous.post('/api/v1/auth/login', password)).status, 200);
    const log = await h().admin.get(`/api/v1/domains/default/audit?target=${id}`);
    assert.deepEqual(
      log.body.items
        .slice(0, 2)
        .map((e: { action: string }) => e.action)
        .sort(),
      ['session.opened', 'user.two_factor_reset'],
    );
  });

  it('refuses to enrol twice, and to confirm what was not started', async () => {
    const { client } = await userWithRoles(h(), 'eager', ['agent']);
    assert.equal((await client.post('/api/v1/me/totp/confirm', { code: '123456' })).body.code, 'totp.not_started');
    const { secret } = (await client.post('/api/v1/me/totp')).body;
    await client.post('/api/v1/me/totp/confirm', { code: currentCode(secret) });
    assert.equal((await client.post('/api/v1/me/totp')).body.code, 'totp.already_enabled');
  });
});
