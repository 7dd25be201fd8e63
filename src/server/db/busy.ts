import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * SQLite has one writer. better-sqlite3's busy timeout waits for it synchronously, freezing the
 * event loop; so connections wait no time (busy_timeout 0) and a write refused as busy is tried
 * again after a pause, the event loop serving everything else meanwhile, until this bound. Past
 * it the write is refused with `database.busy` (503): never lost without a word.
 */
export const BUSY_WAIT_MS = 5000;

/** Whether SQLite refused a statement because another connection holds the lock it needs. */
export const isBusy = (error: unknown): boolean => error instanceof Error && String((error as { code?: unknown }).code ?? '').startsWith('SQLITE_BUSY');

/** A write refused after waiting `BUSY_WAIT_MS` for the writer: answered 503 `database.busy` (http/error-handler.ts). */
export class DatabaseBusy extends Error {
  readonly code = 'database.busy';
  constructor() {
    super('The database is busy with a long write (an import, most likely); nothing was written: try again in a moment');
  }
}

export const busyProblem = () => new DatabaseBusy();

export const isBusyProblem = (error: unknown): error is DatabaseBusy => error instanceof DatabaseBusy;

/**
 * How long a write that may be skipped waits for the writer: long enough for another request's
 * commit (a few milliseconds), far shorter than an import's hold, so no request is slowed by it.
 */
export const SKIPPABLE_WAIT_MS = 20;

const impatient = new AsyncLocalStorage<true>();

/** The longest the work running now waits for the writer (see `unlessBusy`). */
export const writerWaitMs = () => (impatient.getStore() === true ? SKIPPABLE_WAIT_MS : BUSY_WAIT_MS);

/**
 * Runs a write that may be skipped (a session's last-seen time): if the database stays busy
 * beyond `SKIPPABLE_WAIT_MS` it is given up, and the answer is undefined instead of a refusal.
 */
export const unlessBusy = <T>(write: () => Promise<T>): Promise<T | undefined> =>
  impatient.run(true, write).catch((error: unknown) => {
    if (isBusyProblem(error) || isBusy(error)) return undefined;
    throw error;
  });

/**
 * Runs `attempt` until it is not refused as busy, pausing between tries (1 ms doubling to 50 ms)
 * with `pause` wrapped around each pause (the caller gives its connection back meanwhile).
 */
export async function whileBusy<T>(attempt: () => Promise<T>, pause: (wait: () => Promise<void>) => Promise<void>): Promise<T> {
  const deadline = performance.now() + writerWaitMs();
  for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
    try {
      return await attempt();
    } catch (error) {
      if (!isBusy(error)) throw error;
      if (performance.now() + delay > deadline) throw busyProblem();
    }
    await pause(() => sleep(delay));
  }
}
