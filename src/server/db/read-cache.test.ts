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

  it('drops expired entries as new ones are kept, instead of holding them until the bound', async () => {
    const cache = new ReadCache<string>(20, 1000);
    for (let i = 0; i < 100; i += 1) await cache.get(`k${i}`, async () => 'v');
    assert.equal(cache.size, 100);
    await new Promise((resolve) => setTimeout(resolve, 30));
    await cache.get('fresh', async () => 'v');
    assert.equal(cache.size, 1, 'only the entry kept last is left');
    let loads = 0;
    assert.equal(await cache.get('fresh', async () => ((loads += 1), 'again')), 'v', 'a live entry is still served');
    assert.equal(loads, 0);
  });
});
