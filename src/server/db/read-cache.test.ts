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

  describe('by owner', () => {
    const owned = () => new ReadCache<{ owner: string }>(60_000, 1000, (_key, value) => value.owner);

    it("evicts one owner's entries and keeps everyone else's", async () => {
      const cache = owned();
      let loads = 0;
      const load = (owner: string) => async () => ((loads += 1), { owner });
      await cache.get('ann-session-1', load('ann'));
      await cache.get('ann-session-2', load('ann'));
      await cache.get('bob-session', load('bob'));
      cache.invalidateOwner('ann');
      assert.equal(cache.size, 1);
      await cache.get('bob-session', load('bob'));
      assert.equal(loads, 3, "bob's entry was served from memory");
      await cache.get('ann-session-1', load('ann'));
      assert.equal(loads, 4, "ann's was read again");
    });

    it("keeps a read that raced with another owner's change, never one that raced with its own", async () => {
      const cache = owned();
      await cache.get('bob-session', async () => (cache.invalidateOwner('ann'), { owner: 'bob' }));
      await cache.get('ann-session', async () => (cache.invalidateOwner('ann'), { owner: 'ann' }));
      assert.equal(cache.size, 1);
      let loads = 0;
      await cache.get('bob-session', async () => ((loads += 1), { owner: 'bob' }));
      await cache.get('ann-session', async () => ((loads += 1), { owner: 'ann' }));
      assert.equal(loads, 1, 'only ann was read again');
    });

    it('keeps no read older than the evictions it remembers', async () => {
      const cache = owned();
      await cache.get('bob-session', async () => {
        for (let i = 0; i <= 10_000; i += 1) cache.invalidateOwner(`user-${i}`);
        return { owner: 'bob' };
      });
      assert.equal(cache.size, 0, 'whether bob was among the forgotten evictions cannot be told');
    });

    it('keeps an entry of no owner through owners’ changes, not through a change of everything', async () => {
      const cache = new ReadCache<string>(60_000);
      await cache.get('hosts', async () => (cache.invalidateOwner('ann'), 'all hosts'));
      assert.equal(cache.size, 1);
      cache.invalidateOwner('bob');
      assert.equal(cache.size, 1);
      cache.invalidateAll();
      assert.equal(cache.size, 0);
    });
  });
});
