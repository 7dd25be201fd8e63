import type { LiveState } from './rules.ts';

/** An event as clients receive it: numbered per domain, so a client can ask for what it missed. */
export interface LiveEvent {
  seq: number;
  type: string;
  /** The user the event is about; clients without `users:read` only get their own. */
  userId: string | null;
  data: unknown;
}

/**
 * Where live state lives and how events reach every process: in this process (one server), or in
 * Redis (several). Updates are atomic per user.
 */
export interface LiveStore {
  update(domainId: string, userId: string, change: (state: LiveState | undefined) => LiveState): Promise<{ before: LiveState | undefined; after: LiveState }>;
  get(domainId: string, userId: string): Promise<LiveState | undefined>;
  getMany(domainId: string, userIds: string[]): Promise<(LiveState | undefined)[]>;
  list(domainId: string): Promise<LiveState[]>;
  /** Users whose state has something to do at or before `now` (see `nextDeadline`). */
  due(now: number): Promise<{ domainId: string; userId: string }[]>;
  setDeadline(domainId: string, userId: string, at: number | null): Promise<void>;
  publish(domainId: string, event: Omit<LiveEvent, 'seq'>): Promise<void>;
  /** Every event of every domain, in order per domain, whichever process published it. */
  subscribe(listener: (domainId: string, event: LiveEvent) => void): () => void;
  /** Events after `seq` still buffered, or null when some are gone (the client needs a snapshot). */
  since(domainId: string, seq: number): LiveEvent[] | null;
  lastSeq(domainId: string): number;
  close(): Promise<void>;
}

/** A bounded buffer of a domain's latest events, for clients that reconnect. */
export class EventBuffer {
  readonly #events = new Map<string, LiveEvent[]>();
  constructor(private readonly size: number) {}

  push(domainId: string, event: LiveEvent): void {
    let list = this.#events.get(domainId);
    if (!list) this.#events.set(domainId, (list = []));
    list.push(event);
    if (list.length > this.size) list.splice(0, list.length - this.size);
  }

  since(domainId: string, seq: number): LiveEvent[] | null {
    const list = this.#events.get(domainId) ?? [];
    const last = list.at(-1)?.seq ?? 0;
    if (seq >= last) return [];
    const first = list[0]?.seq ?? last + 1;
    if (seq + 1 < first) return null;
    return list.filter((e) => e.seq > seq);
  }

  last(domainId: string): number {
    return this.#events.get(domainId)?.at(-1)?.seq ?? 0;
  }
}

/** One process: plain maps, listeners called synchronously. */
export class MemoryLiveStore implements LiveStore {
  readonly #states = new Map<string, Map<string, LiveState>>();
  readonly #deadlines = new Map<string, number>();
  readonly #listeners = new Set<(domainId: string, event: LiveEvent) => void>();
  readonly #sequences = new Map<string, number>();
  readonly #buffer: EventBuffer;

  constructor(bufferSize = 1000) {
    this.#buffer = new EventBuffer(bufferSize);
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

  async publish(domainId: string, event: Omit<LiveEvent, 'seq'>) {
    const seq = (this.#sequences.get(domainId) ?? 0) + 1;
    this.#sequences.set(domainId, seq);
    const numbered = { ...event, seq };
    this.#buffer.push(domainId, numbered);
    for (const listener of this.#listeners) listener(domainId, numbered);
  }

  subscribe(listener: (domainId: string, event: LiveEvent) => void) {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  since(domainId: string, seq: number) {
    return this.#buffer.since(domainId, seq);
  }

  lastSeq(domainId: string) {
    return this.#buffer.last(domainId);
  }

  async close() {
    this.#listeners.clear();
  }
}
