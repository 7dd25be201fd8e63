import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SessionCache, type SignedIn } from './session-cache.ts';

const signedIn = (login: string) => ({ actor: { login } }) as unknown as SignedIn;

describe('session cache', () => {
  it('answers a repeated token from memory until it is invalidated', async () => {
    const cache = new SessionCache(60_000);
    let loads = 0;
    const load = async () => ((loads += 1), signedIn('ann'));
    await cache.get('t', load);
    await cache.get('t', load);
    assert.equal(loads, 1);
    cache.invalidateAll();
    await cache.get('t', load);
    assert.equal(loads, 2);
  });

  it('does not keep what was read while a change was being made', async () => {
    const cache = new SessionCache(60_000);
    let loads = 0;
    await cache.get('t', async () => {
      loads += 1;
      cache.invalidateAll();
      return signedIn('before the change');
    });
    await cache.get('t', async () => ((loads += 1), signedIn('after')));
    assert.equal(loads, 2);
  });

  it('keeps nothing when its lifetime is zero, and forgets unknown tokens', async () => {
    const cache = new SessionCache(0);
    let loads = 0;
    await cache.get('t', async () => ((loads += 1), signedIn('x')));
    await cache.get('t', async () => ((loads += 1), signedIn('x')));
    assert.equal(loads, 2);
    assert.equal(await new SessionCache(60_000).get('gone', async () => null), null);
  });
});
