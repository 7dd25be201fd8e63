import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { isPublicAddress, patternProblem, retryAt, signatureOf, urlProblem, wants } from './rules.ts';

describe('webhook rules', () => {
  it('takes only public unicast addresses as targets', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.31.0.1',
      '192.168.0.1',
      '100.64.0.1',
      '169.254.169.254',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fc00::1',
      'fd12::1',
      'fe80::1',
      'ff02::1',
      '::ffff:10.0.0.1',
      '::ffff:127.0.0.1',
      'not an address',
    ]) {
      assert.equal(isPublicAddress(address), false, address);
    }
    for (const address of ['93.184.216.34', '1.1.1.1', '2606:4700:4700::1111']) assert.equal(isPublicAddress(address), true, address);
  });

  it('refuses URLs that are not http(s), carry credentials or a fragment', () => {
    assert.equal(urlProblem('https://hooks.example.com/in'), null);
    for (const url of ['ftp://example.com/', 'file:///etc/passwd', 'https://user:pw@example.com/', 'https://example.com/#x', 'not a url'])
      assert.notEqual(urlProblem(url), null, url);
  });

  it('matches event types exactly, by resource, or all; pings always', () => {
    assert.equal(wants(['user.created'], 'user.created'), true);
    assert.equal(wants(['user.created'], 'user.updated'), false);
    assert.equal(wants(['role.*'], 'role.deleted'), true);
    assert.equal(wants(['role.*'], 'user.created'), false);
    assert.equal(wants(['*'], 'license.assigned'), true);
    assert.equal(wants(['user.created'], 'webhook.ping'), true);
    assert.equal(patternProblem('users.created') !== null && patternProblem('user') !== null && patternProblem('user.created') === null, true);
  });

  it('backs off exponentially with jitter, never past the time to give up, and then gives up', () => {
    const backoff = { first: 1000, longest: 8000 };
    assert.equal(retryAt(1, 0, 60_000, backoff, 1), 1000);
    assert.equal(retryAt(1, 0, 60_000, backoff, 0), 500, 'jitter takes up to half');
    assert.equal(retryAt(3, 0, 60_000, backoff, 1), 4000);
    assert.equal(retryAt(10, 0, 60_000, backoff, 1), 8000, 'capped at the longest');
    assert.equal(retryAt(10, 59_000, 60_000, backoff, 1), 60_000, 'a last attempt at the deadline');
    assert.equal(retryAt(11, 60_000, 60_000, backoff, 1), null);
  });

  it('signs as the Standard Webhooks library verifies', () => {
    const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const timestamp = Math.floor(Date.now() / 1000);
    const body = '{"type":"user.created"}';
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(timestamp), 'webhook-signature': signatureOf(secret, 'msg_1', timestamp, body) };
    assert.deepEqual(new Webhook(secret).verify(body, headers), { type: 'user.created' });
    assert.throws(() => new Webhook(secret).verify(body.replace('created', 'deleted'), headers));
  });
});
