import { setImmediate as turn } from 'node:timers/promises';
import type { Db } from '../db/schema.ts';
import type { ChangeView } from './schema.ts';
import { lastChanges, listChanges } from './store.ts';

type Listener = (domainId: string, changes: ChangeView[]) => void;

/** Entries read at once: a page is a few milliseconds of reading and fan-out. */
const PAGE = 1000;

/**
 * Follows the change feed of every domain from this process: each process reads what every
 * process committed (the CLI's imports included) from the database, so nothing rides on a
 * message that could be lost. A write of this process nudges it at once; those of others are
 * heard within `intervalMs`.
 */
export class FeedTail {
  readonly #seen = new Map<string, number>();
  readonly #listeners = new Set<Listener>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;

  constructor(
    private readonly db: Db,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Starts from the feed as it is now: what was committed before is not news. */
  async start(): Promise<void> {
    for (const { domain_id, last_seq } of await this.db.selectFrom('change_counters').select(['domain_id', 'last_seq']).execute())
      this.#seen.set(domain_id, Number(last_seq));
    this.#timer = setInterval(() => this.nudge(), this.intervalMs);
    this.#timer.unref();
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Reads what is new, now; a nudge during a read makes one more read after it. */
  nudge(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#read()
      .catch(this.onError)
      .finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          void this.nudge();
        }
      });
    return this.#running;
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#listeners.clear();
    await this.#running;
  }

  /**
   * Reads the feed a page at a time, letting the event loop turn between pages: on SQLite every
   * page is a synchronous read, and after an import of 100,000 users the feed holds some 100
   * pages, a second and more of reads and fan-out that would otherwise hold every request.
   */
  async #read(): Promise<void> {
    const counters = await lastChanges(this.db);
    for (const { domain_id: domainId, last_seq } of counters) {
      const last = Number(last_seq);
      // A domain first heard of now is read from its start: its first changes are news too.
      for (let seen = this.#seen.get(domainId) ?? 0; seen < last;) {
        const page = await listChanges(this.db, domainId, seen, PAGE);
        if (!page.items.length) break;
        seen = page.items.at(-1)?.seq ?? last;
        this.#seen.set(domainId, seen);
        for (const listener of this.#listeners) listener(domainId, page.items);
        await turn();
      }
    }
  }
}
