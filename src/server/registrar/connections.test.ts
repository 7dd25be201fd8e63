import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { WebSocket } from 'ws';
import { forEachEngine } from '../../../test/harness.ts';
import { openSipStream, registerWithDigest } from '../../../test/sip-client.ts';
import { SipConnections, sourceOf } from './connections.ts';
import { listenSip, type SipListeners } from './transports.ts';

const base = '/api/v1/domains/default';
const MESSAGE_S = 2;
const IDLE_S = 5;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Resolves with the milliseconds until `closed` settles, or `Infinity` past `limitMs`. */
const closedWithin = (closed: Promise<number>, limitMs: number) => Promise.race([closed, sleep(limitMs).then(() => Infinity)]);

forEachEngine(
  'SIP connections are bounded',
  (h) => {
    let sip: SipListeners;
    let url: string;
    before(async () => {
      sip = await listenSip(h().app.registrar, h().app.sipConnections, '127.0.0.1', 0, h().app.log);
      url = (await h().app.listen({ host: '127.0.0.1', port: 0 })).replace(/^http/, 'ws');
    });
    after(() => sip.close());

    const openSipSocket = (localAddress: string) =>
      new Promise<{ ws: WebSocket; closed: Promise<number> }>((resolve, reject) => {
        const ws = new WebSocket(`${url}/sip`, 'sip', { localAddress });
        const opened = Date.now();
        const closed = new Promise<number>((done) => ws.once('close', () => done(Date.now() - opened)));
        ws.once('open', () => resolve({ ws, closed })).once('error', reject);
      });

    const refusedSipSocket = (localAddress: string) =>
      new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
        const ws = new WebSocket(`${url}/sip`, 'sip', { localAddress });
        ws.once('open', () => reject(new Error(`/sip upgraded from ${localAddress}`)));
        ws.once('unexpected-response', (_request, response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, type: String(response.headers['content-type']), body }));
        });
        ws.once('error', () => undefined);
      });

    it('cuts a TCP client that trickles a byte a second once the message bound has passed', async () => {
      const stream = await openSipStream(sip.port, '127.0.0.10');
      const request = 'REGISTER sip:default SIP/2.0\r\n';
      for (let i = 0; i < 8 && !stream.socket.destroyed; i += 1) {
        stream.socket.write(request[i] as string);
        await Promise.race([stream.closed, sleep(1000)]);
      }
      const after = await closedWithin(stream.closed, 1000);
      stream.socket.destroy();
      assert.ok(after <= (MESSAGE_S + 1.5) * 1000, `closed after ${after} ms, bound ${MESSAGE_S} s`);
    });

    it('cuts a /sip WebSocket that trickles a frame a byte a second once the message bound has passed', async () => {
      const { ws, closed } = await openSipSocket('127.0.0.11');
      // A masked text frame of 100 bytes, sent a byte at a time: it never gets whole in time.
      const frame = Buffer.concat([Buffer.from([0x81, 0x80 | 100, 1, 2, 3, 4]), Buffer.alloc(100, 0x41)]);
      const raw = (ws as unknown as { _socket: import('node:net').Socket })._socket;
      for (let i = 0; i < 8 && ws.readyState === ws.OPEN; i += 1) {
        raw.write(frame.subarray(i, i + 1));
        await Promise.race([closed, sleep(1000)]);
      }
      const after = await closedWithin(closed, 1000);
      ws.terminate();
      assert.ok(after <= (MESSAGE_S + 1.5) * 1000, `closed after ${after} ms, bound ${MESSAGE_S} s`);
    });

    it('closes idle TCP and /sip connections after the idle bound', async () => {
      const stream = await openSipStream(sip.port, '127.0.0.12');
      const { ws, closed } = await openSipSocket('127.0.0.12');
      // Keep-alives and a whole message count as activity: each restarts the idle clock.
      await sleep(1000);
      stream.socket.write('\r\n\r\n');
      ws.send(
        `OPTIONS sip:default SIP/2.0\r\nVia: SIP/2.0/WS x.invalid;branch=z9hG4bKidle\r\nFrom: <sip:a@default>;tag=1\r\nTo: <sip:a@default>\r\nCall-ID: idle\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`,
      );
      const [tcp, websocket] = await Promise.all([closedWithin(stream.closed, (IDLE_S + 3) * 1000), closedWithin(closed, (IDLE_S + 3) * 1000)]);
      stream.socket.destroy();
      ws.terminate();
      for (const [transport, ms] of [
        ['tcp', tcp],
        ['ws', websocket],
      ] as const)
        assert.ok(
          ms >= (IDLE_S + 1) * 1000 - 300 && ms <= (IDLE_S + 2.5) * 1000,
          `${transport} closed after ${ms} ms; activity at 1 s, idle bound ${IDLE_S} s`,
        );
    });

    it('keeps a quiet TCP connection that holds a registration until the registration lapses', async () => {
      const created = await h().admin.post(`${base}/users`, { login: 'tcp-phone', roles: ['agent'], sip: { extension: '3101' } });
      const stream = await openSipStream(sip.port, '127.0.0.13');
      const held = IDLE_S + 3;
      const answer = await registerWithDigest(sip.port, {
        user: '3101',
        password: created.body.sip.secret,
        host: 'default',
        realm: 'default',
        algorithm: 'MD5',
        expires: held,
        send: (m) => stream.send(m),
      });
      assert.match(answer, /^SIP\/2\.0 200 OK\r\n/);
      const closedAfter = await closedWithin(stream.closed, (held + 3) * 1000);
      stream.socket.destroy();
      assert.ok(closedAfter > (IDLE_S + 1) * 1000, `closed after ${closedAfter} ms although it holds a registration of ${held} s`);
      assert.ok(closedAfter <= (held + 2.5) * 1000, `still open ${closedAfter} ms after connecting`);
    });

    it('refuses connections past the per-address limit and past the cap, over TCP and /sip, while HTTP answers', async () => {
      // Started with 3 per address and 6 in all.
      const first = await Promise.all([1, 2, 3].map(() => openSipStream(sip.port, '127.0.0.20')));
      const fourth = await openSipStream(sip.port, '127.0.0.20');
      assert.ok((await closedWithin(fourth.closed, 1000)) < 1000, 'a fourth TCP connection from one address is closed at once');
      const refusedUpgrade = await refusedSipSocket('127.0.0.20');
      assert.equal(refusedUpgrade.status, 429);
      assert.match(refusedUpgrade.type, /^application\/problem\+json/);
      assert.equal(JSON.parse(refusedUpgrade.body).code, 'sip.too_many_connections');

      const others = await Promise.all([1, 2].map(() => openSipStream(sip.port, '127.0.0.21')));
      const lastPlace = await openSipSocket('127.0.0.22');
      const beyondCap = await openSipStream(sip.port, '127.0.0.23');
      assert.ok((await closedWithin(beyondCap.closed, 1000)) < 1000, 'a seventh SIP connection is closed at once');
      const full = await refusedSipSocket('127.0.0.24');
      assert.deepEqual([full.status, JSON.parse(full.body).code], [503, 'sip.connections_full']);

      const http = url.replace(/^ws/, 'http');
      assert.equal((await fetch(`${http}/healthz`)).status, 200);
      const signIn = await fetch(`${http}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ domain: 'default', login: 'admin', password: 'Grey-Heron-Flies-42!' }),
      });
      assert.equal(signIn.status, 200);

      for (const stream of [...first, fourth, ...others, beyondCap]) stream.socket.destroy();
      lastPlace.ws.terminate();
      await sleep(300);
      const again = await openSipStream(sip.port, '127.0.0.20');
      assert.equal(await closedWithin(again.closed, 300), Infinity, 'places are given back when connections close');
      again.socket.destroy();
    });
  },
  {
    SWITCHBOARD_SIP_MESSAGE_TIMEOUT: String(MESSAGE_S),
    SWITCHBOARD_SIP_IDLE_TIMEOUT: String(IDLE_S),
    SWITCHBOARD_SIP_CONNECTIONS_PER_ADDRESS: '3',
    SWITCHBOARD_SIP_MAX_CONNECTIONS: '6',
    SWITCHBOARD_SIP_EXPIRES: '2-3600',
  },
);

it('gives SIP connections at most half of the process file descriptors, and counts an IPv6 host by its /64', () => {
  const limits = { perAddress: 100, total: 10_000, messageMs: 32_000, idleMs: 300_000 };
  assert.equal(new SipConnections(limits, 4096).limits.total, 2048);
  assert.equal(new SipConnections(limits, 1_048_576).limits.total, 10_000);
  assert.equal(sourceOf('2001:db8:1:2:aaaa::1'), sourceOf('2001:db8:1:2:bbbb::2'));
  assert.notEqual(sourceOf('2001:db8:1:2::1'), sourceOf('2001:db8:1:3::1'));
  assert.equal(sourceOf('::ffff:192.0.2.1'), '192.0.2.1');
});
