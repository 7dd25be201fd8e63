import { Redis } from 'ioredis';
import { EventFanout, type LiveEvent, type LiveStore } from './live.ts';
import type { LiveState } from './rules.ts';

/** Writes the new state only if nobody wrote since the version read: compare-and-set in one step. */
const COMPARE_AND_SET = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
local version = 0
if current then version = tonumber(cjson.decode(current).version) end
if version ~= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1`;

interface Stored {
  version: number;
  state: LiveState;
}

/**
 * Live state shared by every process through Redis: a hash of states per domain (updated with
 * compare-and-set), a sorted set of deadlines, and events numbered per domain with INCR and fanned
 * out with PUBLISH. Each process buffers the events it hears, for clients that reconnect to it.
 */
export class RedisLiveStore implements LiveStore {
  readonly events: EventFanout;

  private constructor(
    private readonly client: Redis,
    private readonly subscriber: Redis,
    private readonly prefix: string,
    bufferSize: number,
  ) {
    this.events = new EventFanout(bufferSize);
  }

  static async connect(url: string, prefix = 'switchboard:', bufferSize = 1000): Promise<RedisLiveStore> {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
    await client.connect();
    const subscriber = client.duplicate();
    const store = new RedisLiveStore(client, subscriber, prefix, bufferSize);
    subscriber.on('message', (_channel: string, message: string) => store.#heard(message));
    await subscriber.subscribe(`${prefix}events`);
    return store;
  }

  #heard(message: string) {
    const { domainId, event } = JSON.parse(message) as { domainId: string; event: LiveEvent };
    this.events.deliver(domainId, event);
  }

  #states = (domainId: string) => `${this.prefix}live:${domainId}`;

  async update(domainId: string, userId: string, change: (state: LiveState | undefined) => LiveState) {
    for (;;) {
      const raw = await this.client.hget(this.#states(domainId), userId);
      const stored = raw ? (JSON.parse(raw) as Stored) : undefined;
      const after = change(stored?.state);
      const version = stored?.version ?? 0;
      const written = await this.client.eval(COMPARE_AND_SET, 1, this.#states(domainId), userId, String(version), JSON.stringify({ version: version + 1, state: after }));
      if (written === 1) return { before: stored?.state, after };
    }
  }

  async get(domainId: string, userId: string) {
    const raw = await this.client.hget(this.#states(domainId), userId);
    return raw ? (JSON.parse(raw) as Stored).state : undefined;
  }

  async getMany(domainId: string, userIds: string[]) {
    if (userIds.length === 0) return [];
    return (await this.client.hmget(this.#states(domainId), ...userIds)).map((raw) => (raw ? (JSON.parse(raw) as Stored).state : undefined));
  }

  async list(domainId: string) {
    return Object.values(await this.client.hgetall(this.#states(domainId))).map((raw) => (JSON.parse(raw) as Stored).state);
  }

  async due(now: number) {
    const members = await this.client.zrangebyscore(`${this.prefix}due`, '-inf', now, 'LIMIT', 0, 1000);
    return members.map((m) => {
      const [domainId, userId] = m.split('/') as [string, string];
      return { domainId, userId };
    });
  }

  async setDeadline(domainId: string, userId: string, at: number | null) {
    if (at === null) await this.client.zrem(`${this.prefix}due`, `${domainId}/${userId}`);
    else await this.client.zadd(`${this.prefix}due`, at, `${domainId}/${userId}`);
  }

  async publish(domainId: string, event: Omit<LiveEvent, 'seq'>) {
    const seq = await this.client.incr(`${this.prefix}seq:${domainId}`);
    await this.client.publish(`${this.prefix}events`, JSON.stringify({ domainId, event: { ...event, seq } }));
  }

  async close() {
    this.events.close();
    this.subscriber.disconnect();
    await this.client.quit();
  }
}
