import type { DomainRecord } from '../domains/store.ts';
import type { Actor } from '../http/access.ts';

export interface SignedIn {
  actor: Actor;
  domain: DomainRecord;
}

/**
 * Signed-in users by token, kept for a few seconds so a burst of requests does not read the
 * session, the account and every role again each time. Any change made through this process
 * empties it at once; `ttlMs` bounds how long a change made elsewhere (another process, the CLI)
 * takes to be seen. A lookup that raced with a change is not kept.
 */
export class SessionCache {
  readonly #entries = new Map<string, { value: SignedIn; until: number }>();
  #generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  async get(token: string, load: () => Promise<SignedIn | null>): Promise<SignedIn | null> {
    const now = Date.now();
    const hit = this.#entries.get(token);
    if (hit && hit.until > now) return hit.value;
    const generation = this.#generation;
    const value = await load();
    if (value && generation === this.#generation && this.ttlMs > 0) {
      if (this.#entries.size >= this.maxEntries) this.#entries.clear();
      this.#entries.set(token, { value, until: now + this.ttlMs });
    } else {
      this.#entries.delete(token);
    }
    return value;
  }

  invalidateAll(): void {
    this.#generation += 1;
    this.#entries.clear();
  }
}
