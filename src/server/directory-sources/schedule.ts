import type { Db } from '../db/schema.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import { claimDueSync, domainById, dueSources, type SourceRow } from './store.ts';

/** How often due syncs are looked for. */
const TICK_MS = 30_000;

/**
 * Starts the scheduled syncs that are due. Every process looks; each due sync is claimed by
 * moving its time on (store.claimDueSync), so of several processes on one database one runs it.
 */
export class SyncSchedule {
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;

  constructor(
    private readonly db: Db,
    private readonly start: (domain: DomainRecord, source: SourceRow) => Promise<unknown>,
    private readonly onError: (error: unknown) => void,
  ) {}

  begin(): void {
    this.#timer ??= setInterval(() => void this.tick(), TICK_MS).unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#ticking;
  }

  /** Starts every due sync this process claims; answers once they have finished. */
  tick(now = new Date()): Promise<void> {
    this.#ticking ??= this.#run(now).finally(() => (this.#ticking = undefined));
    return this.#ticking;
  }

  async #run(now: Date) {
    try {
      const runs = [];
      for (const source of await dueSources(this.db, now.toISOString())) {
        const next = new Date(now.getTime() + (source.schedule_minutes ?? 60) * 60_000).toISOString();
        if (!(await claimDueSync(this.db, source, next))) continue;
        const domain = await domainById(this.db, source.domain_id);
        if (domain) runs.push(this.start(domain, source).catch(this.onError));
      }
      await Promise.all(runs);
    } catch (error) {
      this.onError(error);
    }
  }
}
