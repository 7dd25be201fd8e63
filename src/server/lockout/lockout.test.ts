import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { forEachEngine, passwordFor, startHarness, userWithRoles, type Harness } from '../../../test/harness.ts';

const settingsUrl = '/api/v1/domains/default/brute-force';
const attempt = (h: Harness, login: string, password: string, remoteAddress = '127.0.0.1', headers: Record<string, string> = {}) =>
  h.app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress, headers, payload: { domain: 'default', login, password } });

forEachEngine('brute-force protection', (h) => {
  before(async () => {
    const put = await h().admin.put(settingsUrl, { maxFailures: 3, lockoutSeconds: 60, delayStepMs: 0 });
    assert.equal(put.status, 200);
  });

  it('is on by default, with settings per domain', async () => {
    await h().admin.post('/api/v1/domains', { name: 'fresh.example' });
    const fresh = await h().admin.get('/api/v1/domains/fresh.example/brute-force');
    assert.equal(fresh.body.enabled, true);
    assert.equal(fresh.body.maxFailures, 5);
  });

  it('locks an account after consecutive failures, refusing even the right password with 429 and Retry-After', async () => {
    await userWithRoles(h(), 'target', ['agent']);
    for (let i = 0; i < 3; i += 1) assert.equal((await attempt(h(), 'target', 'wrong', '10.0.0.1')).statusCode, 401);
    const locked = await attempt(h(), 'target', passwordFor('target'), '10.0.0.2');
    assert.equal(locked.statusCode, 429);
    assert.equal(locked.json().code, 'auth.locked');
    assert.ok(Number(locked.headers['retry-after']) > 55 && Number(locked.headers['retry-after']) <= 60);
  });

  it('answers an unknown account exactly as a known one, lockout included', async () => {
    const known: number[] = [];
    const unknown: number[] = [];
    await userWithRoles(h(), 'known', ['agent']);
    for (let i = 0; i < 4; i += 1) {
      const a = await attempt(h(), 'known', 'wrong', '10.0.1.1');
      const b = await attempt(h(), 'ghost', 'wrong', '10.0.1.2');
      known.push(a.statusCode);
      unknown.push(b.statusCode);
      assert.deepEqual({ ...(a.json() as object), detail: '', instance: '' }, { ...(b.json() as object), detail: '', instance: '' });
    }
    assert.deepEqual(known, [401, 401, 401, 429]);
    assert.deepEqual(unknown, known);
  });

  it('resets the account count on a successful sign-in', async () => {
    await userWithRoles(h(), 'forgetful', ['agent']);
    for (const password of ['wrong', 'wrong', passwordFor('forgetful'), 'wrong', 'wrong']) await attempt(h(), 'forgetful', password, '10.0.2.1');
    assert.equal((await attempt(h(), 'forgetful', passwordFor('forgetful'), '10.0.2.1')).statusCode, 200);
  });

  it('lets an administrator unlock an account, and audits it', async () => {
    const { id } = await userWithRoles(h(), 'unlucky', ['agent']);
    for (let i = 0; i < 3; i += 1) await attempt(h(), 'unlucky', 'wrong', '10.0.3.1');
    assert.equal((await attempt(h(), 'unlucky', passwordFor('unlucky'), '10.0.3.1')).statusCode, 429);
    assert.equal((await h().admin.post(`/api/v1/domains/default/users/${id}/unlock`)).status, 204);
    assert.equal((await attempt(h(), 'unlucky', passwordFor('unlucky'), '10.0.3.1')).statusCode, 200);
    const log = await h().admin.get(`/api/v1/domains/default/audit?target=${id}&action=user.unlocked`);
    assert.equal(log.body.items.length, 1);
  });

  it('can be turned off by an administrator of the domain', async () => {
    await h().admin.put(settingsUrl, { enabled: false, maxFailures: 3, delayStepMs: 0 });
    await userWithRoles(h(), 'carefree', ['agent']);
    for (let i = 0; i < 5; i += 1) await attempt(h(), 'carefree', 'wrong', '10.0.4.1');
    assert.equal((await attempt(h(), 'carefree', passwordFor('carefree'), '10.0.4.1')).statusCode, 200);
    await h().admin.put(settingsUrl, { maxFailures: 3, lockoutSeconds: 60, delayStepMs: 0 });
  });
});

describe('brute-force protection by source address', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness('sqlite', { SWITCHBOARD_TRUSTED_PROXIES: '127.0.0.1, ::1' });
    await h.admin.put(settingsUrl, { maxFailures: 100, addressMaxFailures: 4, lockoutSeconds: 60, delayStepMs: 0 });
  });
  after(() => h.close());

  it('locks an address that fails across many accounts, for every account', async () => {
    await userWithRoles(h, 'bystander', ['agent']);
    for (let i = 0; i < 4; i += 1) await attempt(h, `spray${i}`, 'wrong', '192.0.2.7');
    assert.equal((await attempt(h, 'bystander', passwordFor('bystander'), '192.0.2.7')).statusCode, 429);
    assert.equal((await attempt(h, 'bystander', passwordFor('bystander'), '192.0.2.8')).statusCode, 200);
  });

  it('believes X-Forwarded-For only from a trusted proxy', async () => {
    await userWithRoles(h, 'proxied', ['agent']);
    for (let i = 0; i < 4; i += 1) await attempt(h, `spray-x${i}`, 'wrong', '127.0.0.1', { 'x-forwarded-for': '198.51.100.9' });
    const viaProxy = await attempt(h, 'proxied', passwordFor('proxied'), '127.0.0.1', { 'x-forwarded-for': '198.51.100.9' });
    assert.equal(viaProxy.statusCode, 429, 'the client behind the proxy is locked');
    const otherClient = await attempt(h, 'proxied', passwordFor('proxied'), '127.0.0.1', { 'x-forwarded-for': '198.51.100.10' });
    assert.equal(otherClient.statusCode, 200);
    const spoofed = await attempt(h, 'proxied', passwordFor('proxied'), '203.0.113.5', { 'x-forwarded-for': '198.51.100.9' });
    assert.equal(spoofed.statusCode, 200, 'an untrusted peer cannot claim a locked address, nor escape its own');
  });

  it('holds back failed answers longer with each consecutive failure', async () => {
    await h.admin.put(settingsUrl, { maxFailures: 100, addressMaxFailures: 1000, delayStepMs: 150 });
    const started = Date.now();
    for (let i = 0; i < 3; i += 1) await attempt(h, 'slowpoke', 'wrong', '192.0.2.50');
    assert.ok(Date.now() - started >= 150 + 300 + 450, 'at least 0.15 + 0.3 + 0.45 s');
  });
});
