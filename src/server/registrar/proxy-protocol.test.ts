import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { makeCertificates, type TestCertificates } from '../../../test/certificates.ts';
import { startHarness, type Harness } from '../../../test/harness.ts';
import { registerWithDigest, sipStreamOver } from '../../../test/sip-client.ts';
import { readTlsCredentials } from '../tls/credentials.ts';
import { listenSip, listenSipTls, type SipListeners } from './transports.ts';

const base = '/api/v1/domains/default';

/** A TCP connection from `localAddress` that first says, as a load balancer would, who the client is. */
async function connectFrom(port: number, localAddress: string, header: string | Buffer | null): Promise<Socket> {
  const socket = connect({ port, host: '127.0.0.1', localAddress });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  if (header) socket.write(header);
  return socket;
}

/** PROXY v2, TCP over IPv4, from 198.51.100.7:40000. */
const v2Header = (port: number) =>
  Buffer.from([
    0x0d,
    0x0a,
    0x0d,
    0x0a,
    0x00,
    0x0d,
    0x0a,
    0x51,
    0x55,
    0x49,
    0x54,
    0x0a,
    0x21,
    0x11,
    0,
    12,
    198,
    51,
    100,
    7,
    127,
    0,
    0,
    1,
    0x9c,
    0x40,
    port >> 8,
    port & 0xff,
  ]);

describe('SIP behind a load balancer: the PROXY protocol from trusted proxies only', () => {
  let h: Harness;
  let certificates: TestCertificates;
  let tcp: SipListeners;
  let tls: SipListeners;
  let phone: { id: string; secret: string };

  before(async () => {
    certificates = makeCertificates();
    h = await startHarness('sqlite');
    // 127.0.0.1 is the load balancer; 127.0.0.2 is anyone else.
    tcp = await listenSip(h.app.registrar, h.app.sipConnections, '127.0.0.1', 0, h.app.log, ['127.0.0.1']);
    const credentials = readTlsCredentials({ certFile: certificates.certFile, keyFile: certificates.keyFile });
    tls = await listenSipTls(h.app.registrar, h.app.sipConnections, '127.0.0.1', 0, credentials, h.app.log, ['127.0.0.1/32']);
    // Only phones of the office network 198.51.100.0/24 may register.
    const created = await h.admin.post(`${base}/users`, { login: 'office-phone', roles: ['agent'], sip: { extension: '4001', authAcl: ['198.51.100.0/24'] } });
    phone = { id: created.body.id, secret: created.body.sip.secret };
  });
  after(async () => {
    await tcp?.close();
    await tls?.close();
    await h?.close();
    certificates?.remove();
  });

  const register = (socket: Socket, password = phone.secret) => {
    const stream = sipStreamOver(socket);
    return registerWithDigest(0, { user: '4001', password, host: 'default', realm: 'default', algorithm: 'MD5', send: (m) => stream.send(m, 1500) });
  };
  const sources = async () =>
    ((await h.admin.get(`${base}/users/${phone.id}/presence`)).body.registration.contacts as { source: string; transport: string }[]).map(
      (c) => `${c.transport} ${c.source}`,
    );

  it('takes the client named by a trusted proxy’s PROXY v1 header as the source: the ACL lets it in', async () => {
    const socket = await connectFrom(tcp.port, '127.0.0.1', `PROXY TCP4 198.51.100.7 127.0.0.1 40000 ${tcp.port}\r\n`);
    try {
      assert.match(await register(socket), /^SIP\/2\.0 200 /);
      assert.ok((await sources()).includes('tcp 198.51.100.7:40000'));
    } finally {
      socket.destroy();
    }
  });

  it('sees the proxy itself when it sends no header: the ACL refuses it', async () => {
    const socket = await connectFrom(tcp.port, '127.0.0.1', null);
    try {
      assert.match(await register(socket), /^SIP\/2\.0 403 /);
    } finally {
      socket.destroy();
    }
  });

  it('does not believe a PROXY header from an untrusted peer', async () => {
    const socket = await connectFrom(tcp.port, '127.0.0.2', `PROXY TCP4 198.51.100.7 127.0.0.1 40000 ${tcp.port}\r\n`);
    try {
      // Its header is no SIP: the message it begins is dropped, unanswered.
      await assert.rejects(register(socket), /no SIP answer/);
    } finally {
      socket.destroy();
    }
    const plain = await connectFrom(tcp.port, '127.0.0.2', null);
    try {
      assert.match(await register(plain), /^SIP\/2\.0 403 /);
    } finally {
      plain.destroy();
    }
  });

  it('closes a trusted connection whose header is malformed', async () => {
    const socket = await connectFrom(tcp.port, '127.0.0.1', 'PROXY TCP4 not-an-address 127.0.0.1 40000 5060\r\n');
    const closed = await new Promise<boolean>((resolve) => {
      socket.once('close', () => resolve(true));
      setTimeout(() => resolve(false), 2000);
    });
    assert.ok(closed);
  });

  it('reads a PROXY v2 header before the TLS handshake (TLS passed through the proxy)', async () => {
    const raw = await connectFrom(tls.port, '127.0.0.1', v2Header(tls.port));
    const socket = tlsConnect({ socket: raw, ca: certificates.ca, servername: 'localhost' });
    await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
    try {
      assert.match(await register(socket), /^SIP\/2\.0 200 /);
      assert.ok((await sources()).includes('tls 198.51.100.7:40000'));
    } finally {
      socket.destroy();
    }
  });
});
