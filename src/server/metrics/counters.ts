import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { observeQueries } from '../db/query-time.ts';

/**
 * What this process counts, whichever app it serves: the features call these where the thing
 * happens (a REGISTER answered, a webhook attempt, an import's rows), and /metrics reads them
 * together with what each app measures of its own (gauges.ts).
 */
export const processRegistry = new Registry();

const sipRegistrations = new Counter({
  name: 'switchboard_sip_registrations_total',
  help: 'REGISTER requests answered 200 OK (bindings added, refreshed or removed), by transport',
  labelNames: ['transport'] as const,
  registers: [processRegistry],
});

const sipRegistrationFailures = new Counter({
  name: 'switchboard_sip_registration_failures_total',
  help: 'REGISTER requests refused, by transport and SIP status (401: credentials given and wrong; a first challenge is no failure)',
  labelNames: ['transport', 'status'] as const,
  registers: [processRegistry],
});

const eventStreams = new Gauge({
  name: 'switchboard_event_streams_open',
  help: 'Live event streams (WebSocket) open on this process',
  registers: [processRegistry],
});

const importRows = new Counter({
  name: 'switchboard_import_rows_total',
  help: 'Rows of user imports read and checked (written, skipped or refused; a cancelled import counts what it read)',
  registers: [processRegistry],
});

const webhookAttempts = new Counter({
  name: 'switchboard_webhook_attempts_total',
  help: 'Webhook delivery attempts by outcome: delivered, retry (failed, tried again later) or failed (given up)',
  labelNames: ['outcome'] as const,
  registers: [processRegistry],
});

const queryDuration = new Histogram({
  name: 'switchboard_db_query_duration_seconds',
  help: 'Time of each database query, from sending it to its last row, by engine and outcome',
  labelNames: ['engine', 'outcome'] as const,
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [processRegistry],
});

/** Counts a REGISTER by the answer given (its status line): 200 is a registration, 4xx/5xx but 401 a failure. */
export function countRegisterAnswer(transport: string, answer: string): void {
  const status = Number(answer.slice(8, 11));
  if (status === 200) sipRegistrations.inc({ transport });
  else if (status >= 400 && status !== 401) sipRegistrationFailures.inc({ transport, status: String(status) });
}

/** A REGISTER whose credentials were wrong: answered with a new challenge, so its 401 is told here. */
export const countRefusedCredentials = (transport: string) => sipRegistrationFailures.inc({ transport, status: '401' });

/** Counts an event stream as open; the function answered counts it closed (once). */
export function countEventStream(): () => void {
  eventStreams.inc();
  let open = true;
  return () => {
    if (open) eventStreams.dec();
    open = false;
  };
}

/** Rows an import read since it last told its progress. */
export function countImportRows(rows: number): void {
  if (rows > 0) importRows.inc(rows);
}

export const countWebhookAttempt = (outcome: 'delivered' | 'retry' | 'failed') => webhookAttempts.inc({ outcome });

let collecting = false;

/**
 * Node's own figures (event loop delay, memory, GC) and the database's query times, once per
 * process and only in one that serves /metrics: a CLI command or an import thread measures nothing.
 */
export function collectProcessMetrics(): void {
  if (collecting) return;
  collecting = true;
  collectDefaultMetrics({ register: processRegistry });
  observeQueries((engine, seconds, failed) => queryDuration.observe({ engine, outcome: failed ? 'error' : 'ok' }, seconds));
}
