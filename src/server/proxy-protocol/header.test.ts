import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MalformedProxyHeader, parseProxyHeader } from './header.ts';

const v2 = (command: number, family: number, body: number[]) =>
  Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x20 | command, family, body.length >> 8, body.length & 0xff, ...body]);

describe('PROXY protocol header', () => {
  it('reads a version 1 line and leaves what follows it', () => {
    const bytes = Buffer.from('PROXY TCP4 198.51.100.7 192.0.2.1 40000 5060\r\nREGISTER sip:default SIP/2.0\r\n');
    assert.deepEqual(parseProxyHeader(bytes), { length: 46, source: { address: '198.51.100.7', port: 40000 } });
    assert.deepEqual(parseProxyHeader(Buffer.from('PROXY TCP6 2001:db8::7 2001:db8::1 40000 5061\r\n')), {
      length: 47,
      source: { address: '2001:db8::7', port: 40000 },
    });
    assert.deepEqual(parseProxyHeader(Buffer.from('PROXY UNKNOWN\r\n')), { length: 15, source: null });
  });

  it('reads a version 2 header: IPv4, IPv6, and LOCAL (the proxy speaking for itself)', () => {
    const ipv4 = v2(1, 0x11, [198, 51, 100, 7, 192, 0, 2, 1, 0x9c, 0x40, 0x13, 0xc4]);
    assert.deepEqual(parseProxyHeader(Buffer.concat([ipv4, Buffer.from([0x16, 0x03])])), { length: 28, source: { address: '198.51.100.7', port: 40000 } });
    const ipv6 = v2(1, 0x21, [0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), 7, 0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), 1, 0x9c, 0x40, 0x13, 0xc5]);
    assert.deepEqual(parseProxyHeader(ipv6), { length: 52, source: { address: '2001:db8::7', port: 40000 } });
    assert.deepEqual(parseProxyHeader(v2(0, 0x00, [])), { length: 16, source: null });
  });

  it('waits for the rest of a header begun, and tells a plain connection at its first byte', () => {
    assert.equal(parseProxyHeader(Buffer.from('PRO')), 'incomplete');
    assert.equal(parseProxyHeader(Buffer.from('PROXY TCP4 198.51.100.7')), 'incomplete');
    assert.equal(parseProxyHeader(v2(1, 0x11, [198, 51, 100, 7, 192, 0, 2, 1, 0x9c, 0x40, 0x13, 0xc4]).subarray(0, 20)), 'incomplete');
    assert.equal(parseProxyHeader(Buffer.from('REGISTER sip:default SIP/2.0\r\n')), null);
    assert.equal(parseProxyHeader(Buffer.from([0x16, 0x03, 0x01])), null, 'a TLS ClientHello');
  });

  it('refuses what starts like a header but is not one', () => {
    for (const bad of [
      'PROXY TCP4 198.51.100.7 192.0.2.1 40000\r\n',
      'PROXY TCP4 2001:db8::7 192.0.2.1 40000 5060\r\n',
      'PROXY TCP4 198.51.100.7 192.0.2.1 70000 5060\r\n',
      'PROXY UDP4 198.51.100.7 192.0.2.1 40000 5060\r\n',
      `PROXY TCP4 ${'1'.repeat(120)}`,
    ])
      assert.throws(() => parseProxyHeader(Buffer.from(bad)), MalformedProxyHeader, bad);
    assert.throws(() => parseProxyHeader(v2(1, 0x11, [198, 51, 100, 7])), MalformedProxyHeader, 'too short for its addresses');
    assert.throws(
      () => parseProxyHeader(Buffer.from([...v2(1, 0x11, []).subarray(0, 12), 0x11, 0x11, 0, 0])),
      MalformedProxyHeader,
      'version 1 in a v2 header',
    );
  });
});
