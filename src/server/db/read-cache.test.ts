import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReadCache } from './read-cache.ts';

describe('read cache', () => {
  it('answers a repeated key from memory until it is invalidated', async () => {
    const cache = new ReadCache<string>(60_000);
    let loads = 0;
    const load = async () => ((loads += 1), 'ann');
    await cache.get('t', load);
    assert.equal(await cache.get('t', load), 'ann');
    assert.equal(loads, 1);
    cache.invalidateAll();
    await cache.get('t', load);
    assert.equal(loads, 2);
  });

  it('does not keep what was read while a change was being made', async () => {
    const cache = new ReadCache<string>(60_000);
    let loads = 0;
    await cache.get('t', async () => {
      loads += 1;
      cache.invalidateAll();
      return 'before the change';
    });
    assert.equal(await cache.get('t', async () => ((loads += 1), 'after')), 'after');
    assert.equal(loads, 2);
  });

  it('keeps nothing when its lifetime is zero, and never keeps a miss', async () => {
    const cache = new ReadCache<string>(0);
    let loads = 0;
    await cache.get('t', async () => ((loads += 1), 'x'));
    await cache.get('t', async () => ((loads += 1), 'x'));
    assert.equal(loads, 2);
    const misses = new ReadCache<string>(60_000);
    assert.equal(await misses.get('gone', async () => null), null);
    assert.equal(await misses.get('gone', async () => 'back'), 'back');
  });
});
