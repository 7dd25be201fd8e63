import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressAllowed } from './networks.ts';

describe('IP allow-list', () => {
  it('allows every address when empty', () => {
    assert.equal(addressAllowed('203.0.113.9', []), true);
  });

  it('matches IPv4 and IPv6 networks and single addresses', () => {
    const list = ['192.0.2.0/24', '2001:db8::/32', '198.51.100.7'];
    assert.equal(addressAllowed('192.0.2.200', list), true);
    assert.equal(addressAllowed('192.0.3.1', list), false);
    assert.equal(addressAllowed('2001:db8:1::5', list), true);
    assert.equal(addressAllowed('2001:db9::5', list), false);
    assert.equal(addressAllowed('198.51.100.7', list), true);
    assert.equal(addressAllowed('198.51.100.8', list), false);
  });

  it('treats an IPv4-mapped IPv6 address as IPv4, and refuses what is not an address', () => {
    assert.equal(addressAllowed('::ffff:192.0.2.1', ['192.0.2.0/24']), true);
    assert.equal(addressAllowed('unknown', ['192.0.2.0/24']), false);
  });
});
