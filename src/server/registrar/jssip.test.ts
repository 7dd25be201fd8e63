import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import JsSIP from 'jssip';
import { WebSocket } from 'ws';
import { startHarness, type Harness } from '../../../test/harness.ts';

// JsSIP opens its transport with the global WebSocket, which Node 20 lacks.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;
JsSIP.debug.disable('JsSIP:*');

const base = '/api/v1/domains/default';

describe('SIP over WebSocket with JsSIP', () => {
  let h: Harness;
  let url: string;
  before(async () => {
    h = await startHarness('sqlite');
    url = (await h.app.listen({ host: '127.0.0.1', port: 0 })).replace(/^http/, 'ws');
  });
  after(() => h.close());

  const register = (user: string, password: string) =>
    new Promise<{ ua: JsSIP.UA; outcome: string }>((resolve) => {
      const ua = new JsSIP.UA({
        uri: `sip:${user}@default`,
        password,
        sockets: [new JsSIP.WebSocketInterface(`${url}/sip`)],
        register: true,
        connection_recovery_min_interval: 60,
      });
      ua.on('registered', () => resolve({ ua, outcome: 'registered' }));
      ua.on('registrationFailed', (e: { cause?: string }) => resolve({ ua, outcome: `failed: ${e.cause ?? 'unknown'}` }));
      ua.start();
    });

  it('registers a WebRTC phone over /sip and shows it registered over ws', async () => {
    const { body } = await h.admin.post(`${base}/users`, { login: 'web-phone', roles: ['agent'], sip: { extension: '2001', connection: 'webrtc' } });
    const { ua, outcome } = await register('2001', body.sip.secret);
    try {
      assert.equal(outcome, 'registered');
      const presence = (await h.admin.get(`${base}/users/${body.id}/presence`)).body;
      assert.equal(presence.registration.registered, true);
      assert.equal(presence.registration.contacts[0].transport, 'ws');
      assert.match(presence.registration.contacts[0].userAgent, /JsSIP/);
    } finally {
      ua.stop();
    }
  });

  it('is refused with a wrong secret', async () => {
    await h.admin.post(`${base}/users`, { login: 'web-phone-2', roles: ['agent'], sip: { extension: '2002' } });
    const { ua, outcome } = await register('2002', 'not-the-secret-at-all');
    ua.stop();
    assert.match(outcome, /^failed: /);
  });
});
