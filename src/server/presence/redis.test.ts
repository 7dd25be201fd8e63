import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { CLUSTER_REDIS_URL as REDIS_URL, dropRedisKeys } from '../../../test/serve-process.ts';
import { RedisLiveStore } from './redis.ts';

const prefix = `sbtest-${randomBytes(4).toString('hex')}:`;

after(() => dropRedisKeys(REDIS_URL, prefix));

describe('events published by several processes at once', () => {
  it('are heard by every process in the order of their numbers, so a stream resumed from one misses none', async (t) => {
    const options = { prefix, bufferSize: 1000, processTtlMs: 60_000 };
    const processes = await Promise.all([0, 1, 2].map(() => RedisLiveStore.connect(REDIS_URL, options)));
    t.after(() => Promise.all(processes.map((process) => process.close())));
    const PER_PROCESS = 300;
    const heard = processes.map(() => [] as number[]);
    let all!: () => void;
    const complete = new Promise<void>((resolve) => (all = resolve));
    processes.forEach((process, i) =>
      process.events.subscribe({
        domainId: 'd1',
        userId: null,
        event: (event) => {
          heard[i]?.push(event.seq);
          if (heard.every((seqs) => seqs.length === PER_PROCESS * processes.length)) all();
        },
      }),
    );
    await Promise.all(
      processes.flatMap((process) => Array.from({ length: PER_PROCESS }, () => process.publish('d1', { type: 'presence', userId: null, data: {} }))),
    );
    await complete;
    const numbers = Array.from({ length: PER_PROCESS * processes.length }, (_, i) => i + 1);
    for (const seqs of heard) assert.deepEqual(seqs, numbers);
    // What a stream resumed after event 100 is sent: every later one.
    for (const process of processes)
      assert.deepEqual(
        process.events.since('d1', 100)?.map((e) => e.seq),
        numbers.slice(100),
      );
  });
});
