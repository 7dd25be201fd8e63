import assert from 'node:assert/strict';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { forEachEngine, passwordFor } from '../../../test/harness.ts';
import { openEvents } from '../../../test/events-client.ts';
import { loadConfig } from '../config.ts';
import { CLUSTER_REDIS_URL as REDIS_URL, dropRedisKeys } from '../../../test/serve-process.ts';
import { RedisLiveStore } from './redis.ts';
import { connected, initialState } from './rules.ts';

const prefix = `sbtest-${randomBytes(4).toString('hex')}:`;
const base = '/api/v1/domains/default';

after(() => dropRedisKeys(REDIS_URL, prefix));

describe('the connections of a dead process', () => {
  it('are handed to one survivor only, however many look at once', async () => {
    const options = { prefix: `${prefix}lease:`, bufferSize: 10, processTtlMs: 60_000 };
    const [dying, first, second] = await Promise.all([
      RedisLiveStore.connect(REDIS_URL, options),
      RedisLiveStore.connect(REDIS_URL, options),
      RedisLiveStore.connect(REDIS_URL, options),
    ]);
    const dead = dying.processId;
    await dying.update('d1', 'u1', () => connected(initialState('u1', 'd1', 0), dead, 0));
    const redis = new Redis(REDIS_URL);
    // Its proof of life lapses, as when it is killed: the key expires.
    await redis.del(`${options.prefix}process:${dead}`);
    const claims = (await Promise.all([first.orphans(5000), second.orphans(5000), first.orphans(5000), second.orphans(5000)])).flat();
    assert.deepEqual(claims, [{ processId: dead, users: [{ domainId: 'd1', userId: 'u1' }] }]);
    await first.forget(dead);
    assert.equal(await redis.sismember(`${options.prefix}processes`, dead), 1, 'not forgotten while a state still counts its connections');
    await redis.quit();
    await Promise.all([dying.close(), first.close(), second.close()]);
  });
});

describe('proof of life settings', () => {
  it('refuses a TTL shorter than two heartbeats, naming it with every other problem', () => {
    assert.throws(
      () => loadConfig({ SWITCHBOARD_PROCESS_HEARTBEAT_MS: '5000', SWITCHBOARD_PROCESS_TTL_MS: '6000', SWITCHBOARD_PORT: 'eighty' }),
      (error: Error) => /SWITCHBOARD_PROCESS_TTL_MS: At least twice/.test(error.message) && /SWITCHBOARD_PORT/.test(error.message),
    );
    const defaults = loadConfig({});
    assert.ok(defaults.processTtlMs + defaults.processHeartbeatMs <= 20_000, 'a dead process is noticed within 20 s');
  });
});

forEachEngine(
  'a process taken for dead',
  (h) => {
    it('closes the streams it held so their clients reconnect and are counted again, under a new id', async () => {
      const url = await h().app.listen({ host: '127.0.0.1', port: 0 });
      const created = (
        await h().admin.post(`${base}/users`, { login: 'paused-agent', roles: ['agent'], password: passwordFor('paused-agent'), agent: { enabled: true } })
      ).body;
      const agent = await h().signIn('default', 'paused-agent', passwordFor('paused-agent'));
      const stream = await openEvents(url, 'default', agent.token as string);
      await stream.next((m) => m.type === 'presence' && m.userId === created.id && m.data.connections === 1);
      const presence = h().app.presence;
      const lapsed = presence.store.processId;

      // Its proof of life lapses (a long pause, Redis restarted): others may drop its connections at any moment.
      const redis = new Redis(REDIS_URL);
      await redis.del(`${prefix}process:${lapsed}`);
      const [code] = (await Promise.race([once(stream.socket, 'close'), new Promise((resolve) => setTimeout(() => resolve([null]), 5000))])) as [number | null];
      assert.equal(code, 1012, 'told to reconnect');
      assert.notEqual(presence.store.processId, lapsed);
      assert.equal(
        await until(
          async () => (await h().admin.get(`${base}/users/${created.id}/presence`)).body.connections,
          (n) => n === 0,
        ),
        0,
      );

      const again = await openEvents(url, 'default', agent.token as string);
      await again.next((m) => m.type === 'presence' && m.userId === created.id && m.data.connections === 1);
      const counted = await redis.smembers(`${prefix}process:${presence.store.processId}:users`);
      assert.deepEqual(
        counted.map((member) => member.split('/')[1]),
        [created.id],
        'counted on the new id, so it dies with this process',
      );
      await again.close();
      await redis.quit();
    });
  },
  { SWITCHBOARD_REDIS_URL: REDIS_URL, SWITCHBOARD_REDIS_PREFIX: prefix, SWITCHBOARD_PROCESS_HEARTBEAT_MS: '200', SWITCHBOARD_PROCESS_TTL_MS: '1000' },
);

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
