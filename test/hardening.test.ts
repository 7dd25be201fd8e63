import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ADMIN_PASSWORD, passwordFor, startHarness, userWithRoles, type Harness } from './harness.ts';

describe('HTTP hardening', () => {
  let h: Harness;
  let cookie: string;
  before(async () => {
    h = await startHarness('sqlite', { SWITCHBOARD_LOGIN_RATE_LIMIT: '1000' });
    const signedIn = await h.anonymous.post('/api/v1/auth/login', { domain: 'default', login: 'admin', password: ADMIN_PASSWORD });
    cookie = `switchboard_session=${signedIn.body.token}`;
  });
  after(() => h.close());

  it('sends security headers on every answer', async () => {
    const response = await h.admin.get('/api/v1/me');
    assert.equal(response.headers['x-content-type-options'], 'nosniff');
    assert.equal(response.headers['x-frame-options'], 'SAMEORIGIN');
    assert.ok(response.headers['content-security-policy']);
    assert.equal(response.headers['x-powered-by'], undefined);
  });

  it('keeps CORS closed: no other origin is allowed to read answers', async () => {
    const preflight = await h.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/me',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    assert.equal(preflight.headers['access-control-allow-origin'], undefined);
    const read = await h.app.inject({ method: 'GET', url: '/api/v1/me', headers: { origin: 'https://evil.example', cookie } });
    assert.equal(read.headers['access-control-allow-origin'], undefined);
  });

  it('refuses a cookie-authenticated write from another site, and allows it from this one or with a token', async () => {
    const write = (headers: Record<string, string>) =>
      h.app.inject({
        method: 'POST',
        url: '/api/v1/domains/default/groups',
        headers: { host: 'switchboard.example', ...headers },
        payload: { name: `g-${Math.random().toString(36).slice(2, 8)}` },
      });
    const forged = await write({ cookie, origin: 'https://evil.example' });
    assert.deepEqual([forged.statusCode, (forged.json() as { code: string }).code], [403, 'auth.cross_site_request']);
    assert.equal((await write({ cookie, 'sec-fetch-site': 'cross-site' })).statusCode, 403);
    assert.equal((await write({ cookie, 'sec-fetch-site': 'same-origin' })).statusCode, 201);
    assert.equal((await write({ cookie, origin: 'https://switchboard.example' })).statusCode, 201);
    assert.equal((await write({ authorization: `Bearer ${h.admin.token}`, origin: 'https://evil.example' })).statusCode, 201);
  });
});

describe('rate limit on sign-in', () => {
  it('answers 429 with Retry-After past the limit per address', async () => {
    const h = await startHarness('sqlite', { SWITCHBOARD_LOGIN_RATE_LIMIT: '3' });
    try {
      const statuses: number[] = [];
      let last;
      for (let i = 0; i < 4; i += 1) {
        last = await h.app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          remoteAddress: '192.0.2.99',
          payload: { domain: 'default', login: 'nobody', password: 'x' },
        });
        statuses.push(last.statusCode);
      }
      assert.deepEqual(
        statuses.slice(0, 3).every((s) => s === 401),
        true,
      );
      assert.equal(last?.statusCode, 429);
      assert.equal((last?.json() as { code: string }).code, 'request.rate_limited');
      assert.ok(Number(last?.headers['retry-after']) > 0);
    } finally {
      await h.close();
    }
  });
});

describe('secrets at rest and in logs', () => {
  it('never writes a password, CalDAV token or TOTP seed in clear to the database file or the log', async () => {
    const lines: string[] = [];
    const stream = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) });
    const h = await startHarness('sqlite', {}, { level: 'trace', stream });
    try {
      const secrets = { password: 'Plain-Secret-Lantern-81!', token: 'caldav-plain-token-5521', newPassword: 'Other-Plain-Secret-92?' };
      const { id } = await userWithRoles(h, 'secretive', ['agent'], { integrations: { calDavToken: secrets.token } });
      await h.admin.patch(`/api/v1/domains/default/users/${id}`, { password: secrets.password });
      const client = await h.signIn('default', 'secretive', secrets.password);
      const { secret } = (await client.post('/api/v1/me/totp')).body;
      await client.patch('/api/v1/me', { password: secrets.newPassword, currentPassword: secrets.password });
      await h.anonymous.post('/api/v1/auth/login', { domain: 'default', login: 'secretive', password: secrets.newPassword });

      const file = h.config.databaseUrl.slice('sqlite:'.length);
      const stored = ['', '-wal']
        .map((suffix) => {
          try {
            return readFileSync(`${file}${suffix}`).toString('latin1');
          } catch {
            return '';
          }
        })
        .join('');
      const log = lines.join('');
      assert.ok(log.length > 1000, 'the log was written');
      for (const value of [secrets.password, secrets.token, secrets.newPassword, secret, passwordFor('secretive'), client.token as string]) {
        assert.equal(stored.includes(value), false, `database holds ${value.slice(0, 6)}…`);
        assert.equal(log.includes(value), false, `log holds ${value.slice(0, 6)}…`);
      }
    } finally {
      await h.close();
    }
  });
});
