import type { LogEvent } from 'kysely';

/** Told each query's duration in seconds, whether it failed, and its SQL (never its values). */
export type QueryObserver = (engine: string, seconds: number, failed: boolean, sql: string) => void;

const observers: QueryObserver[] = [];

/**
 * Who hears every query's time in this process (the metrics, when /metrics is served; the traces,
 * when an exporter is configured): set from above, so the database layer knows no feature, and
 * nobody listens in a CLI command. Answers how to stop hearing them.
 */
export function observeQueries(next: QueryObserver): () => void {
  observers.push(next);
  return () => void observers.splice(observers.indexOf(next), 1);
}

/** Kysely's query log, which times every query itself; it passes the time on to the observers. */
export const queryLog =
  (engine: string) =>
  (event: LogEvent): void => {
    for (const observe of observers) observe(engine, event.queryDurationMillis / 1000, event.level === 'error', event.query.sql);
  };
