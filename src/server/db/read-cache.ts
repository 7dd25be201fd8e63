import { borrowsConnection } from './lent-connection.ts';

/** How many owners' evictions are remembered for the reads in flight; past it, an older read is not kept. */
const EVICTIONS_REMEMBERED = 10_000;

/**
 * What this process read from the directory, kept for a few seconds so a burst of requests does
 * not read the same session or user again each time. A change empties what it touched at once:
 * the entries of one owner (a user: its view, its sessions, its SIP account) or, for a change of
 * what many entries embed (a role, a domain), all of them. `ttlMs` bounds how long a change made
 * elsewhere (another process, the CLI) takes to be seen. A read that raced with a change of what
 * it read is not kept, nor one a request made on a borrowed connection (inside another's
 * transaction, which may yet roll back). Writes never trust it: they check the version in the
 * database.
 */
export class ReadCache<V> {
  readonly #entries = new Map<string, { value: V; until: number; owner: string | null }>();
  readonly #keysByOwner = new Map<string, Set<string>>();
  /** Counts evictions; `#evictedAt` holds, per owner evicted lately, the count at its last eviction. */
  #evictions = 0;
  #allEvictedAt = 0;
  readonly #evictedAt = new Map<string, number>();
  #forgottenBefore = 0;
  /** Reads in flight: only they need to know what was evicted while they ran. */
  #loading = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    /** Whose entry a value is, so that a change of that owner evicts it alone. */
    private readonly ownerOf: (key: string, value: V) => string | null = () => null,
  ) {}

  async get(key: string, load: () => Promise<V | null>): Promise<V | null> {
    const now = Date.now();
    const hit = this.#entries.get(key);
    if (hit && hit.until > now) return hit.value;
    const startedAt = this.#evictions;
    this.#loading += 1;
    let value: V | null;
    try {
      value = await load();
    } finally {
      this.#loading -= 1;
    }
    if (value !== null && this.ttlMs > 0 && !borrowsConnection() && this.#unchangedSince(startedAt, this.ownerOf(key, value))) {
      if (this.#entries.size >= this.maxEntries) this.#clear();
      // Set anew, so the entries stay in order of expiry (a Map keeps a key where it was first set)
      // and the expired go from the front, a few per entry kept: without it, a registrar seeing
      // thousands of new phones a second kept every account read until the bound, for a minute or
      // more, long after any could be served, growing the old space the collector has to mark.
      this.#drop(key);
      const owner = this.ownerOf(key, value);
      this.#entries.set(key, { value, until: now + this.ttlMs, owner });
      if (owner !== null) this.#keysByOwner.set(owner, (this.#keysByOwner.get(owner) ?? new Set()).add(key));
      for (const [old, entry] of this.#entries) {
        if (entry.until > now) break;
        this.#drop(old);
      }
    } else {
      this.#drop(key);
    }
    return value;
  }

  /** Entries held, expired ones not yet dropped included. */
  get size(): number {
    return this.#entries.size;
  }

  invalidateAll(): void {
    this.#evictions += 1;
    this.#allEvictedAt = this.#evictions;
    this.#evictedAt.clear();
    this.#clear();
  }

  /** Evicts one owner's entries (and keeps none of its reads in flight). */
  invalidateOwner(owner: string): void {
    // Remembered only for the reads in flight: an import's 100,000 evictions, heard while nothing
    // is being read, cost a look-up each and no bookkeeping.
    if (this.#loading > 0) this.#remember(owner);
    else this.#evictedAt.clear();
    for (const key of this.#keysByOwner.get(owner) ?? []) this.#entries.delete(key);
    this.#keysByOwner.delete(owner);
  }

  #remember(owner: string): void {
    this.#evictions += 1;
    this.#evictedAt.delete(owner);
    this.#evictedAt.set(owner, this.#evictions);
    if (this.#evictedAt.size > EVICTIONS_REMEMBERED) {
      const [oldest, at] = this.#evictedAt.entries().next().value as [string, number];
      this.#evictedAt.delete(oldest);
      this.#forgottenBefore = at;
    }
  }

  /** Whether nothing that could have changed a read begun at `startedAt` was evicted since. */
  #unchangedSince(startedAt: number, owner: string | null): boolean {
    if (startedAt === this.#evictions) return true;
    if (this.#allEvictedAt > startedAt) return false;
    // An entry of no owner (the domains' SIP hosts) goes only with everything.
    if (owner === null) return true;
    return this.#forgottenBefore <= startedAt && (this.#evictedAt.get(owner) ?? 0) <= startedAt;
  }

  #drop(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    if (entry.owner === null) return;
    const keys = this.#keysByOwner.get(entry.owner);
    keys?.delete(key);
    if (keys?.size === 0) this.#keysByOwner.delete(entry.owner);
  }

  #clear(): void {
    this.#entries.clear();
    this.#keysByOwner.clear();
  }
}
