import { randomUUID } from 'node:crypto';
import type { LiveState } from './rules.ts';

/** An event as clients receive it: numbered per domain, so a client can ask for what it missed. */
export interface LiveEvent {
  seq: number;
  type: string;
  /** The user the event is about; clients without `users:read` only get their own. */
  userId: string | null;
  data: unknown;
  /** A directory event's number in the domain's change feed, by which a client resumes it. */
  change?: number;
}

/** A process that stopped proving it is alive, and the users it still counted connections of. */
export interface Orphan {
  processId: string;
  users: { domainId: string; userId: string }[];
}

/**
 * Where live state lives and how events reach every process: in this process (one server), or in
 * Redis (several). Updates are atomic per user.
 *
 * Connections are counted per process (`LiveState.connections`), and a process proves it is alive
 * with `heartbeat`: the connections of one that stops are handed, by `orphans`, to one survivor
 * to drop. A process started again gets a new id, so it never adopts the connections of the one
 * that died.
 */
export interface LiveStore {
  /** This process as the owner of the connections it counts; a new id after it was found dead. */
  readonly processId: string;
  /** Proves this process alive for `ttlMs`; false when it had already been found dead (it now has a new id). */
  heartbeat(ttlMs: number): Promise<boolean>;
  /** Processes found dead, each handed to one caller for `leaseMs`; another caller gets it again after that if it is not forgotten. */
  orphans(leaseMs: number): Promise<Orphan[]>;
  /** Forgets a process found dead once no state counts its connections any more. */
  forget(processId: string): Promise<void>;
  update(domainId: string, userId: string, change: (state: LiveState | undefined) => LiveState): Promise<{ before: LiveState | undefined; after: LiveState }>;
  get(domainId: string, userId: string): Promise<LiveState | undefined>;
  getMany(domainId: string, userIds: string[]): Promise<(LiveState | undefined)[]>;
  list(domainId: string): Promise<LiveState[]>;
  /** Users whose state has something to do at or before `now` (see `nextDeadline`). */
  due(now: number): Promise<{ domainId: string; userId: string }[]>;
  setDeadline(domainId: string, userId: string, at: number | null): Promise<void>;
  publish(domainId: string, event: Omit<LiveEvent, 'seq'>): Promise<void>;
  /** Every event of every domain as this process hears it, whichever process published it. */
  readonly events: EventFanout;
  close(): Promise<void>;
}

/**
 * An open event stream as the fan-out knows it: the domain it follows and whose events it shows,
 * everybody's (`userId` null) or one user's own and those about no user.
 */
export interface EventSubscriber {
  domainId: string;
  userId: string | null;
  event(event: LiveEvent): void;
  /**
   * For a stream of one user: where the domain stands (the last `seq` and directory change), told
   * once `positionEvery` directory changes of other users went by, so that it can resume from near there.
   */
  position?(seq: number, change: number): void;
}

/**
 * The events a process hears, handed to the open event streams and kept in a bounded buffer per
 * domain for clients that reconnect. An event reaches only the streams that show it: a stream of
 * one user is never called for another user's event, so thousands of agents' streams cost nothing
 * per event about someone else.
 */
export class EventFanout {
  /** Per domain, at least the last `size` events; trimmed once it holds twice as many, not on every event. */
  readonly #events = new Map<string, LiveEvent[]>();
  readonly #everyone = new Map<string, Set<EventSubscriber>>();
  readonly #ofUser = new Map<string, Map<string, Set<EventSubscriber>>>();
  /** Per domain, other users' directory changes since its streams of one user were last told a position. */
  readonly #unshown = new Map<string, number>();
  constructor(
    private readonly size: number,
    private readonly positionEvery = 1000,
  ) {}

  deliver(domainId: string, event: LiveEvent): void {
    this.#keep(domainId, event);
    for (const subscriber of this.#everyone.get(domainId) ?? []) subscriber.event(event);
    const ofUser = this.#ofUser.get(domainId);
    if (!ofUser) return;
    if (event.userId === null) {
      for (const subscribers of ofUser.values()) for (const subscriber of subscribers) subscriber.event(event);
      return;
    }
    for (const subscriber of ofUser.get(event.userId) ?? []) subscriber.event(event);
    if (event.change !== undefined) this.#passed(domainId, ofUser, event.seq, event.change);
  }

  #keep(domainId: string, event: LiveEvent) {
    let list = this.#events.get(domainId);
    if (!list) this.#events.set(domainId, (list = []));
    list.push(event);
    if (list.length >= this.size * 2) list.splice(0, list.length - this.size);
  }

  #passed(domainId: string, ofUser: Map<string, Set<EventSubscriber>>, seq: number, change: number) {
    const unshown = (this.#unshown.get(domainId) ?? 0) + 1;
    this.#unshown.set(domainId, unshown % this.positionEvery);
    if (unshown < this.positionEvery) return;
    for (const subscribers of ofUser.values()) for (const subscriber of subscribers) subscriber.position?.(seq, change);
  }

  subscribe(subscriber: EventSubscriber): () => void {
    const { domainId, userId } = subscriber;
    const set =
      userId === null
        ? getOrAdd(this.#everyone, domainId, () => new Set())
        : getOrAdd(
            getOrAdd(this.#ofUser, domainId, () => new Map()),
            userId,
            () => new Set(),
          );
    set.add(subscriber);
    return () => {
      set.delete(subscriber);
      if (set.size > 0) return;
      if (userId === null) this.#everyone.delete(domainId);
      else this.#ofUser.get(domainId)?.delete(userId);
    };
  }

  close(): void {
    this.#everyone.clear();
    this.#ofUser.clear();
  }

  /** Events after `seq` still buffered (the last `size`), or null when some are gone (the client needs a snapshot). */
  since(domainId: string, seq: number): LiveEvent[] | null {
    const all = this.#events.get(domainId) ?? [];
    const list = all.length > this.size ? all.slice(all.length - this.size) : all;
    const last = list.at(-1)?.seq ?? 0;
    if (seq >= last) return [];
    const first = list[0]?.seq ?? last + 1;
    if (seq + 1 < first) return null;
    return list.filter((e) => e.seq > seq);
  }

  /** The last sequence number heard for the domain. */
  lastSeq(domainId: string): number {
    return this.#events.get(domainId)?.at(-1)?.seq ?? 0;
  }
}

function getOrAdd<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = make()));
  return value;
}

/** One process: plain maps, listeners called synchronously; it is alive as long as its states. */
export class MemoryLiveStore implements LiveStore {
  readonly processId = randomUUID();
  readonly #states = new Map<string, Map<string, LiveState>>();
  readonly #deadlines = new Map<string, number>();
  readonly #sequences = new Map<string, number>();
  readonly events: EventFanout;

  constructor(bufferSize = 1000, positionEvery = 1000) {
    this.events = new EventFanout(bufferSize, positionEvery);
  }

  #domain(domainId: string) {
    let states = this.#states.get(domainId);
    if (!states) this.#states.set(domainId, (states = new Map()));
    return states;
  }

  async update(domainId: string, userId: string, change: (state: LiveState | undefined) => LiveState) {
    const states = this.#domain(domainId);
    const before = states.get(userId);
    const after = change(before);
    states.set(userId, after);
    return { before, after };
  }

  async get(domainId: string, userId: string) {
    return this.#states.get(domainId)?.get(userId);
  }

  async getMany(domainId: string, userIds: string[]) {
    const states = this.#states.get(domainId);
    return userIds.map((id) => states?.get(id));
  }

  async list(domainId: string) {
    return [...(this.#states.get(domainId)?.values() ?? [])];
  }

  async due(now: number) {
    const due: { domainId: string; userId: string }[] = [];
    for (const [key, at] of this.#deadlines) {
      if (at > now) continue;
      const [domainId, userId] = key.split('/') as [string, string];
      due.push({ domainId, userId });
    }
    return due;
  }

  async setDeadline(domainId: string, userId: string, at: number | null) {
    if (at === null) this.#deadlines.delete(`${domainId}/${userId}`);
    else this.#deadlines.set(`${domainId}/${userId}`, at);
  }

  async heartbeat() {
    return true;
  }

  async orphans() {
    return [];
  }

  async forget() {}

  async publish(domainId: string, event: Omit<LiveEvent, 'seq'>) {
    const seq = (this.#sequences.get(domainId) ?? 0) + 1;
    this.#sequences.set(domainId, seq);
    const numbered = { ...event, seq };
    this.events.deliver(domainId, numbered);
  }

  async close() {
    this.events.close();
  }
}
