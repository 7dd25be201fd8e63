import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startHarness, type Harness } from '../../../test/harness.ts';
import { sippRegister } from '../../../test/sipp.ts';
import { exchange, registerRequest, registerWithDigest } from '../../../test/sip-client.ts';
import { listenSip, type SipListeners } from './transports.ts';

const base = '/api/v1/domains/default';

describe('SIP registrar with sipp (MD5 digest)', () => {
  let h: Harness;
  let sip: SipListeners;
  let phone: { id: string; secret: string };
  const presence = async (id: string) => (await h.admin.get(`${base}/users/${id}/presence`)).body;

  before(async () => {
    h = await startHarness('sqlite', { SWITCHBOARD_SIP_EXPIRES: '2-3600' });
    sip = await listenSip(h.app.registrar, h.app.sipConnections, '127.0.0.1', 0, h.app.log);
    const created = await h.admin.post(`${base}/users`, { login: 'desk-phone', roles: ['agent'], sip: { extension: '1001', authAcl: ['127.0.0.1/32'] } });
    phone = { id: created.body.id, secret: created.body.sip.secret };
  });
  after(async () => {
    await sip.close();
    await h.close();
  });

  for (const transport of ['udp', 'tcp'] as const) {
    it(`registers over ${transport} and shows the contact in presence`, async () => {
      const run = await sippRegister({ port: sip.port, transport, user: '1001', password: phone.secret, host: 'default', expires: 300, expect: 200 });
      assert.ok(run.ok, run.output);
      const state = await presence(phone.id);
      assert.equal(state.registration.registered, true);
      assert.ok(state.registration.contacts.some((c: { transport: string; userAgent: string }) => c.transport === transport && c.userAgent === 'SIPp'));
    });
  }

  it('unregisters with Expires: 0 and Contact: *', async () => {
    const run = await sippRegister({
      port: sip.port,
      transport: 'udp',
      user: '1001',
      password: phone.secret,
      host: 'default',
      expires: 0,
      expect: 200,
      wildcard: true,
    });
    assert.ok(run.ok, run.output);
    assert.equal((await presence(phone.id)).registration.registered, false);
    const history = (await h.admin.get(`${base}/users/${phone.id}/status-history?dimension=registration`)).body.items.map((e: { value: string }) => e.value);
    assert.deepEqual(history.slice(0, 2), ['unregistered', 'registered']);
  });

  it('lets a registration expire', async () => {
    assert.ok((await sippRegister({ port: sip.port, transport: 'udp', user: '1001', password: phone.secret, host: 'default', expires: 2, expect: 200 })).ok);
    assert.equal((await presence(phone.id)).registration.registered, true);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await h.app.presence.sweep();
    assert.equal((await presence(phone.id)).registration.registered, false);
  });

  it('asks for at least the minimum expiry (423 with Min-Expires)', async () => {
    const created = await h.admin.post(`${base}/users`, { login: 'brief-phone', roles: ['agent'], sip: { extension: '1002' } });
    // 1 s is below the 2 s minimum this server was started with.
    const run = await sippRegister({
      port: sip.port,
      transport: 'udp',
      user: '1002',
      password: created.body.sip.secret,
      host: 'default',
      expires: 1,
      expect: 423,
    });
    assert.ok(run.ok, run.output);
  });

  it('refuses a phone outside its auth ACL with 403', async () => {
    const run = await sippRegister({
      port: sip.port,
      transport: 'udp',
      user: '1001',
      password: phone.secret,
      host: 'default',
      expires: 300,
      expect: 403,
      localIp: '127.0.0.2',
    });
    assert.ok(run.ok, run.output);
  });

  it('challenges a wrong password again, then throttles the source', async () => {
    const created = await h.admin.post(`${base}/users`, { login: 'guessed-phone', roles: ['agent'], sip: { extension: '1003' } });
    assert.equal(created.status, 201);
    for (let i = 0; i < 5; i += 1) {
      const run = await sippRegister({
        port: sip.port,
        transport: 'udp',
        user: '1003',
        password: 'not-the-secret',
        host: 'default',
        expires: 300,
        expect: 401,
        localIp: '127.0.0.3',
      });
      assert.ok(run.ok, run.output);
    }
    const throttled = await exchange(sip.port, registerRequest('1003', 'default', 1, 'throttled-call'), '127.0.0.3');
    assert.match(throttled, /^SIP\/2\.0 503 Service Unavailable\r\n/);
    assert.match(throttled, /\r\nRetry-After: 60\r\n/);
    const elsewhere = await exchange(sip.port, registerRequest('1003', 'default', 1, 'other-source'), '127.0.0.4');
    assert.match(elsewhere, /^SIP\/2\.0 401 /, 'other sources are still challenged');
  });

  it('authenticates SHA-256 digests (RFC 8760) and refuses a replayed or forged one', async () => {
    await h.admin.put(`${base}/sip-settings`, { digestAlgorithms: ['SHA-256', 'MD5'] });
    const ok = await registerWithDigest(sip.port, { user: '1001', password: phone.secret, host: 'default', realm: 'default', algorithm: 'SHA-256' });
    assert.match(ok, /^SIP\/2\.0 200 OK\r\n/);
    assert.match(ok, /\r\nContact: <sip:1001@127\.0\.0\.1:5099>;expires=300\r\n/);
    const forged = await registerWithDigest(sip.port, { user: '1001', password: 'wrong-secret', host: 'default', realm: 'default', algorithm: 'SHA-256' });
    assert.match(forged, /^SIP\/2\.0 401 /);
    await h.admin.put(`${base}/sip-settings`, { digestAlgorithms: ['MD5'] });
    await expectRejected(
      () => registerWithDigest(sip.port, { user: '1001', password: phone.secret, host: 'default', realm: 'default', algorithm: 'SHA-256' }),
      'a domain that offers only MD5 sends no SHA-256 challenge',
    );
    await h.admin.put(`${base}/sip-settings`, {});
  });

  it('answers a retransmitted REGISTER with credentials with the same answer, without spending its nonce count again', async () => {
    const callId = 'retransmitted-call';
    const unauthenticated = registerRequest('1001', 'default', 1, callId);
    const challenge = await exchange(sip.port, unauthenticated, '127.0.0.1', 3000, 5098);
    const nonce = /nonce="([^"]+)"/.exec(challenge)?.[1] as string;
    // A challenge is not kept (RFC 3261 8.2.7): the first REGISTER sent again gets a new one, and the first nonce stays good.
    const challengedAgain = await exchange(sip.port, unauthenticated, '127.0.0.1', 3000, 5098);
    assert.match(challengedAgain, /^SIP\/2\.0 401 Unauthorized\r\n/);
    assert.notEqual(/nonce="([^"]+)"/.exec(challengedAgain)?.[1], nonce);
    const md5 = (text: string) => createHash('md5').update(text).digest('hex');
    const response = md5(`${md5(`1001:default:${phone.secret}`)}:${nonce}:00000001:c0ffee:auth:${md5('REGISTER:sip:default')}`);
    const authorization = `Authorization: Digest username="1001", realm="default", nonce="${nonce}", uri="sip:default", response="${response}", algorithm=MD5, cnonce="c0ffee", qop=auth, nc=00000001`;
    const request = registerRequest('1001', 'default', 2, callId, authorization).replace(/branch=[^;]+/, 'branch=z9hG4bKfixedbranch');
    const [first, again] = [await exchange(sip.port, request, '127.0.0.1', 3000, 5098), await exchange(sip.port, request, '127.0.0.1', 3000, 5098)];
    assert.match(first, /^SIP\/2\.0 200 OK/);
    assert.equal(again, first);
  });

  it('answers OPTIONS, refuses other methods with 405 and Allow, and 404 for unknown domains', async () => {
    const options = await exchange(sip.port, registerRequest('1001', 'default', 1, 'opt').replace(/REGISTER/g, 'OPTIONS'));
    assert.match(options, /^SIP\/2\.0 200 OK\r\n[\s\S]*\r\nAllow: REGISTER, OPTIONS\r\n/);
    const invite = await exchange(sip.port, registerRequest('1001', 'default', 1, 'inv').replace(/REGISTER/g, 'INVITE'));
    assert.match(invite, /^SIP\/2\.0 405 Method Not Allowed\r\n[\s\S]*\r\nAllow: REGISTER, OPTIONS\r\n/);
    assert.match(await exchange(sip.port, registerRequest('1001', 'nowhere.example', 1, 'unk')), /^SIP\/2\.0 404 /);
    assert.match(await exchange(sip.port, registerRequest('1001', 'default', 1, 'bad').replace('CSeq: 1 REGISTER', 'CSeq: one REGISTER')), /^SIP\/2\.0 400 /);
  });
});

async function expectRejected(run: () => Promise<unknown>, message: string) {
  await assert.rejects(run, /no SHA-256 challenge/, message);
}
