import type { LogEvent } from 'kysely';

/** Told each query's duration in seconds, and whether it failed. */
export type QueryObserver = (engine: string, seconds: number, failed: boolean) => void;

let observer: QueryObserver | undefined;

/**
 * Who hears every query's time in this process (the metrics, when /metrics is served): set from
 * above, so the database layer knows no feature, and nobody listens in a CLI command.
 */
export function observeQueries(next: QueryObserver): void {
  observer = next;
}

/** Kysely's query log, which times every query itself; it passes the time on to the observer. */
export const queryLog =
  (engine: string) =>
  (event: LogEvent): void =>
    observer?.(engine, event.queryDurationMillis / 1000, event.level === 'error');
