import { borrowsConnection } from './lent-connection.ts';

/**
 * What this process read from the directory, kept for a few seconds so a burst of requests does
 * not read the same session or user again each time. Any change made through this process empties
 * it at once; `ttlMs` bounds how long a change made elsewhere (another process, the CLI) takes to
 * be seen. A read that raced with a change is not kept, nor one a request made on a borrowed
 * connection (inside another's transaction, which may yet roll back). Writes never trust it: they
 * check the version in the database.
 */
export class ReadCache<V> {
  readonly #entries = new Map<string, { value: V; until: number }>();
  #generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  async get(key: string, load: () => Promise<V | null>): Promise<V | null> {
    const now = Date.now();
    const hit = this.#entries.get(key);
    if (hit && hit.until > now) return hit.value;
    const generation = this.#generation;
    const value = await load();
    if (value !== null && generation === this.#generation && this.ttlMs > 0 && !borrowsConnection()) {
      if (this.#entries.size >= this.maxEntries) this.#entries.clear();
      // Set anew, so the entries stay in order of expiry (a Map keeps a key where it was first set)
      // and the expired go from the front, a few per entry kept: without it, a registrar seeing
      // thousands of new phones a second kept every account read until the bound, for a minute or
      // more, long after any could be served, growing the old space the collector has to mark.
      this.#entries.delete(key);
      this.#entries.set(key, { value, until: now + this.ttlMs });
      for (const [old, entry] of this.#entries) {
        if (entry.until > now) break;
        this.#entries.delete(old);
      }
    } else {
      this.#entries.delete(key);
    }
    return value;
  }

  /** Entries held, expired ones not yet dropped included. */
  get size(): number {
    return this.#entries.size;
  }

  invalidateAll(): void {
    this.#generation += 1;
    this.#entries.clear();
  }
}
