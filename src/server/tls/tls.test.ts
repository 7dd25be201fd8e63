import assert from 'node:assert/strict';
import { get, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import JsSIP from 'jssip';
import { WebSocket } from 'ws';
import { makeCertificates, type TestCertificates } from '../../../test/certificates.ts';
import { openEvents } from '../../../test/events-client.ts';
import { startHarness, type Harness } from '../../../test/harness.ts';
import { registerWithDigest, sipStreamOver } from '../../../test/sip-client.ts';
import { sippRegister } from '../../../test/sipp.ts';
import { listenSipTls, type SipTlsListener } from '../registrar/transports.ts';
import { readTlsCredentials } from './credentials.ts';

JsSIP.debug.disable('JsSIP:*');
const base = '/api/v1/domains/default';

describe('TLS: HTTPS, WSS and SIP over TLS with a certificate of the test’s own CA', () => {
  let certificates: TestCertificates;
  let h: Harness;
  let origin: string;
  let sip: SipTlsListener;
  let phone: { id: string; secret: string };
  const presence = async (id: string) => (await h.admin.get(`${base}/users/${id}/presence`)).body;

  before(async () => {
    certificates = makeCertificates();
    h = await startHarness('sqlite', { SWITCHBOARD_TLS_CERT: certificates.certFile, SWITCHBOARD_TLS_KEY: certificates.keyFile, SWITCHBOARD_SIP_TLS_PORT: '0' });
    origin = await h.app.listen({ host: '127.0.0.1', port: 0 });
    sip = await listenSipTls(h.app.registrar, h.app.sipConnections, '127.0.0.1', 0, readTlsCredentials(h.config.tls!), h.app.log);
    const created = await h.admin.post(`${base}/users`, { login: 'secure-phone', roles: ['agent'], sip: { extension: '3001', connection: 'webrtc' } });
    phone = { id: created.body.id, secret: created.body.sip.secret };
  });
  after(async () => {
    await sip?.close();
    await h?.close();
    certificates?.remove();
  });

  it('serves the API over HTTPS to a client that trusts the CA, and names https in its address', async () => {
    assert.match(origin, /^https:\/\/127\.0\.0\.1:\d+$/);
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const options: RequestOptions & { ca: Buffer } = { ca: certificates.ca, headers: { authorization: `Bearer ${h.admin.token}` } };
      httpsRequest(`${origin}/api/v1/domains/default`, options, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      })
        .on('error', reject)
        .end();
    });
    assert.equal(answer.status, 200, answer.body);
    assert.equal(JSON.parse(answer.body).name, 'default');
  });

  it('does not answer plain HTTP on that port', async () => {
    const outcome = await new Promise<string>((resolve) => {
      get(`${origin.replace('https:', 'http:')}/healthz`, (response) => resolve(`answered ${response.statusCode}`)).on('error', (error) =>
        resolve(error.message),
      );
    });
    assert.doesNotMatch(outcome, /^answered/);
  });

  it('streams live events over WSS', async () => {
    const stream = await openEvents(origin, 'default', h.admin.token as string, { ca: certificates.ca });
    try {
      await stream.next((m) => m.type === 'snapshot');
      await h.admin.patch(`${base}/users/${phone.id}`, { description: 'over TLS' });
      await stream.next((m) => m.type === 'directory' && m.data.action === 'user.updated');
    } finally {
      await stream.close();
    }
  });

  it('registers a JsSIP phone over WSS and shows it registered over wss', async () => {
    const ca = certificates.ca;
    // JsSIP opens its transport with the global WebSocket: one that trusts the test's CA.
    (globalThis as { WebSocket?: unknown }).WebSocket = class extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { ca });
      }
    };
    const ua = new JsSIP.UA({
      uri: 'sip:3001@default',
      password: phone.secret,
      sockets: [new JsSIP.WebSocketInterface(`${origin.replace(/^https/, 'wss')}/sip`)],
      register: true,
      connection_recovery_min_interval: 60,
    });
    try {
      const outcome = await new Promise<string>((resolve) => {
        ua.on('registered', () => resolve('registered'));
        ua.on('registrationFailed', (e: { cause?: string }) => resolve(`failed: ${e.cause ?? 'unknown'}`));
        ua.start();
      });
      assert.equal(outcome, 'registered');
      const contacts = (await presence(phone.id)).registration.contacts;
      assert.ok(contacts.some((c: { transport: string }) => c.transport === 'wss'));
    } finally {
      ua.stop();
    }
  });

  it('registers SIPp with digest over SIP TLS (through a TLS client hop: Debian’s SIPp is built without TLS)', async () => {
    // SIPp speaks TCP to this hop, which opens a TLS connection to the registrar for each one,
    // checking the certificate against the test's CA and 127.0.0.1.
    const hop: Server = createServer((plain) => {
      const secure = tlsConnect({ host: '127.0.0.1', port: sip.port, ca: certificates.ca });
      plain.pipe(secure).pipe(plain);
      const close = () => [plain, secure].forEach((s) => s.destroy());
      plain.on('error', close).on('close', close);
      secure.on('error', close).on('close', close);
    });
    await new Promise<void>((resolve) => hop.listen(0, '127.0.0.1', resolve));
    try {
      const port = (hop.address() as { port: number }).port;
      const run = await sippRegister({ port, transport: 'tcp', user: '3001', password: phone.secret, host: 'default', expires: 300, expect: 200 });
      assert.ok(run.ok, run.output);
      const contacts = (await presence(phone.id)).registration.contacts;
      assert.ok(contacts.some((c: { transport: string; userAgent: string }) => c.transport === 'tls' && c.userAgent === 'SIPp'));
    } finally {
      await new Promise((resolve) => hop.close(resolve));
    }
  });

  it('registers a sips: contact with digest over TLS, and refuses a wrong secret', async () => {
    const socket = tlsConnect({ host: '127.0.0.1', port: sip.port, ca: certificates.ca });
    await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
    const stream = sipStreamOver(socket);
    try {
      const registration = { user: '3001', host: 'default', realm: 'default', algorithm: 'MD5' as const, send: (m: string) => stream.send(m) };
      const contacts = ['<sips:3001@127.0.0.1:5061;transport=tls>'];
      const accepted = await registerWithDigest(0, { ...registration, password: phone.secret, contacts });
      assert.match(accepted, /^SIP\/2\.0 200 /);
      assert.match(accepted, /Contact: <sips:3001@127\.0\.0\.1:5061;transport=tls>;expires=/);
      const refused = await registerWithDigest(0, { ...registration, password: 'not-the-secret', contacts });
      assert.match(refused, /^SIP\/2\.0 401 /);
    } finally {
      socket.destroy();
    }
  });

  it('serves a renewed certificate to the next connection', async () => {
    const renewed = makeCertificates();
    try {
      sip.renew(readTlsCredentials({ certFile: renewed.certFile, keyFile: renewed.keyFile }));
      const trusts = (ca: Buffer) =>
        new Promise<string>((resolve) => {
          const socket = tlsConnect({ host: '127.0.0.1', port: sip.port, ca });
          socket.once('secureConnect', () => resolve('trusted')).once('error', (error) => resolve(error.message));
          socket.once('secureConnect', () => socket.destroy());
        });
      assert.equal(await trusts(renewed.ca), 'trusted');
      assert.notEqual(await trusts(certificates.ca), 'trusted');
    } finally {
      sip.renew(readTlsCredentials(h.config.tls!));
      renewed.remove();
    }
  });
});
