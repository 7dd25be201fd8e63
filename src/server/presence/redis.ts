import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { EventFanout, type LiveEvent, type LiveStore, type Orphan } from './live.ts';
import { ownersOf, type LiveState } from './rules.ts';

/**
 * Writes the new state only if nobody wrote since the version read: compare-and-set in one step.
 * In the same step the user joins the sets of the processes it now has connections on (KEYS[2] to
 * KEYS[ARGV[4] + 1]) and leaves those it has none on any more (the rest), so a process's set is
 * always exactly the users whose connections die with it.
 */
const COMPARE_AND_SET = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
local version = 0
if current then version = tonumber(cjson.decode(current).version) end
if version ~= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
local owners = tonumber(ARGV[4])
for i = 2, #KEYS do
  if i - 1 <= owners then redis.call('SADD', KEYS[i], ARGV[5]) else redis.call('SREM', KEYS[i], ARGV[5]) end
end
return 1`;

/**
 * A process proves it is alive for ARGV[2] ms. Renewing fails once the proof has lapsed: by then
 * another process may be dropping its connections, so it must come back under a new id.
 */
const HEARTBEAT = `
if ARGV[3] == 'renew' and redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
redis.call('SADD', KEYS[1], ARGV[1])
return 1`;

/** Hands a dead process (no proof of life) to one caller at a time: a lease, answered with its users. */
const CLAIM = `
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
if not redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
return redis.call('SMEMBERS', KEYS[3])`;

/** Forgets a dead process once no user is counted on it any more. */
/** An event's number taken and the event published, atomically: every process hears a domain's events in the order of their numbers. */
const PUBLISH_NUMBERED = `
local seq = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', ARGV[1], ARGV[2] .. seq .. ARGV[3])
return seq
`;

const FORGET = `
if redis.call('SCARD', KEYS[2]) > 0 then return 0 end
redis.call('SREM', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[3])
return 1`;

interface Stored {
  version: number;
  state: LiveState;
}

/** States written before connections were counted per process have no owner that could drop them: they count none. */
function stateOf(raw: string): LiveState {
  const { state } = JSON.parse(raw) as Stored;
  return { ...state, connections: state.connections ?? {} };
}

export interface RedisLiveStoreOptions {
  /** Every key and channel starts with it. */
  prefix: string;
  /** Events kept per domain for clients that reconnect. */
  bufferSize: number;
  /** A stream of one user is told where the domain stands once this many other users' directory changes went by. */
  positionEvery?: number;
  /** How long the proof of life given at start lasts (then `heartbeat` renews it). */
  processTtlMs: number;
}

/**
 * Live state shared by every process through Redis: a hash of states per domain (updated with
 * compare-and-set), a sorted set of deadlines, and events numbered per domain with INCR and fanned
 * out with PUBLISH. Each process buffers the events it hears, for clients that reconnect to it.
 *
 * Each process is in the set `processes` and proves it is alive with a key that expires
 * (`process:<id>`); `process:<id>:users` holds the users it counts connections (or WebSocket contacts) of, and
 * `process:<id>:reaper` is the lease of the survivor dropping them once it is dead.
 */
export class RedisLiveStore implements LiveStore {
  readonly events: EventFanout;
  #processId = randomUUID();

  private constructor(
    private readonly client: Redis,
    private readonly subscriber: Redis,
    private readonly prefix: string,
    bufferSize: number,
    positionEvery: number | undefined,
  ) {
    this.events = new EventFanout(bufferSize, positionEvery);
  }

  static async connect(url: string, options: RedisLiveStoreOptions): Promise<RedisLiveStore> {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
    await client.connect();
    const subscriber = client.duplicate();
    const store = new RedisLiveStore(client, subscriber, options.prefix, options.bufferSize, options.positionEvery);
    subscriber.on('message', (_channel: string, message: string) => store.#heard(message));
    await subscriber.subscribe(`${options.prefix}events`);
    // Alive before the first connection is counted, so that no connection can outlive it unseen.
    await store.#beat('join', options.processTtlMs);
    return store;
  }

  get processId(): string {
    return this.#processId;
  }

  #heard(message: string) {
    const { domainId, event } = JSON.parse(message) as { domainId: string; event: LiveEvent };
    this.events.deliver(domainId, event);
  }

  #states = (domainId: string) => `${this.prefix}live:${domainId}`;
  #processes = () => `${this.prefix}processes`;
  #alive = (processId: string) => `${this.prefix}process:${processId}`;
  #users = (processId: string) => `${this.prefix}process:${processId}:users`;
  #reaper = (processId: string) => `${this.prefix}process:${processId}:reaper`;

  async update(domainId: string, userId: string, change: (state: LiveState | undefined) => LiveState) {
    for (;;) {
      const raw = await this.client.hget(this.#states(domainId), userId);
      const stored = raw ? (JSON.parse(raw) as Stored) : undefined;
      const before = raw ? stateOf(raw) : undefined;
      const after = change(before);
      const version = stored?.version ?? 0;
      const owners = ownersOf(after);
      const gone = before ? ownersOf(before).filter((id) => !owners.includes(id)) : [];
      const keys = [this.#states(domainId), ...[...owners, ...gone].map(this.#users)];
      const written = await this.client.eval(
        COMPARE_AND_SET,
        keys.length,
        ...keys,
        userId,
        String(version),
        JSON.stringify({ version: version + 1, state: after }),
        String(owners.length),
        `${domainId}/${userId}`,
      );
      if (written === 1) return { before, after };
    }
  }

  async get(domainId: string, userId: string) {
    const raw = await this.client.hget(this.#states(domainId), userId);
    return raw ? stateOf(raw) : undefined;
  }

  async getMany(domainId: string, userIds: string[]) {
    if (userIds.length === 0) return [];
    return (await this.client.hmget(this.#states(domainId), ...userIds)).map((raw) => (raw ? stateOf(raw) : undefined));
  }

  async list(domainId: string) {
    return Object.values(await this.client.hgetall(this.#states(domainId))).map(stateOf);
  }

  async due(now: number) {
    const members = await this.client.zrangebyscore(`${this.prefix}due`, '-inf', now, 'LIMIT', 0, 1000);
    return members.map(userOf);
  }

  async setDeadline(domainId: string, userId: string, at: number | null) {
    if (at === null) await this.client.zrem(`${this.prefix}due`, `${domainId}/${userId}`);
    else await this.client.zadd(`${this.prefix}due`, at, `${domainId}/${userId}`);
  }

  async heartbeat(ttlMs: number) {
    if (await this.#beat('renew', ttlMs)) return true;
    this.#processId = randomUUID();
    await this.#beat('join', ttlMs);
    return false;
  }

  async #beat(kind: 'join' | 'renew', ttlMs: number): Promise<boolean> {
    return (await this.client.eval(HEARTBEAT, 2, this.#processes(), this.#alive(this.#processId), this.#processId, String(ttlMs), kind)) === 1;
  }

  async orphans(leaseMs: number) {
    const orphans: Orphan[] = [];
    for (const processId of await this.client.smembers(this.#processes())) {
      if (processId === this.#processId) continue;
      const users = (await this.client.eval(
        CLAIM,
        3,
        this.#alive(processId),
        this.#reaper(processId),
        this.#users(processId),
        this.#processId,
        String(leaseMs),
      )) as string[] | null;
      if (users) orphans.push({ processId, users: users.map(userOf) });
    }
    return orphans;
  }

  async forget(processId: string) {
    await this.client.eval(FORGET, 3, this.#processes(), this.#users(processId), this.#reaper(processId), processId);
  }

  /**
   * Numbered and published in one step (PUBLISH_NUMBERED): numbered first and published after, two
   * processes' events could reach the others in the wrong order, and a stream resumed after the
   * later one would never be sent the earlier. The message is JSON as before, `seq` first.
   */
  async publish(domainId: string, event: Omit<LiveEvent, 'seq'>) {
    const head = `{"domainId":${JSON.stringify(domainId)},"event":{"seq":`;
    const tail = `,${JSON.stringify(event).slice(1)}}`;
    await this.client.eval(PUBLISH_NUMBERED, 1, `${this.prefix}seq:${domainId}`, `${this.prefix}events`, head, tail);
  }

  /** A process that stops says so: the others drop what it still counted at their next heartbeat, not a TTL later. */
  async close() {
    this.events.close();
    this.subscriber.disconnect();
    await this.client.del(this.#alive(this.#processId));
    await this.client.quit();
  }
}

function userOf(member: string) {
  const [domainId, userId] = member.split('/') as [string, string];
  return { domainId, userId };
}
