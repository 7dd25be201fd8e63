import { Gauge, Histogram, Registry } from 'prom-client';
import type { Storage } from '../db/connect.ts';
import type { Router } from '../deps.ts';
import type { PresenceEngine } from '../presence/engine.ts';
import type { Status } from '../presence/rules.ts';
import { countPresence, STATUSES, type PresenceCounts } from './rules.ts';
import { domainIds } from './store.ts';

/** What an app's gauges are read from. */
export interface Measured {
  storage: Storage;
  presence: PresenceEngine;
}

/**
 * What one app measures of its own, beside what the process counts (counters.ts): each request's
 * time by route pattern and status, the presence gauges and the database pool, the last two read
 * at scrape time.
 */
export function appRegistry(router: Router, { storage, presence }: Measured): Registry {
  const registry = new Registry();
  timeRequests(router, registry);
  presenceGauges(router, registry, storage, presence);
  poolGauges(registry, storage);
  return registry;
}

/** Every answer's time, labelled by the route's pattern (never the raw URL, which would be unbounded). */
function timeRequests(router: Router, registry: Registry): void {
  const duration = new Histogram({
    name: 'switchboard_http_request_duration_seconds',
    help: 'Time from receiving a request to the end of its answer, by method, route pattern and status',
    labelNames: ['method', 'route', 'status_class', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  router.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    duration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_class: `${Math.floor(status / 100)}xx`, status: String(status) },
      reply.elapsedTime / 1000,
    );
    done();
  });
}

/**
 * Users online and agents in CC by status, counted over every domain's live state when scraped
 * (once for both gauges). With Redis the state is the cluster's: every process answers the same.
 * A failed count leaves the last figures and is logged: the rest of the scrape is still good.
 */
function presenceGauges(router: Router, registry: Registry, storage: Storage, presence: PresenceEngine): void {
  let counting: Promise<PresenceCounts | null> | null = null;
  const counted = () =>
    (counting ??= (async () => {
      const states = await Promise.all((await domainIds(storage.db)).map((id) => presence.store.list(id)));
      return countPresence(states.flat());
    })()
      .catch((error: unknown) => {
        router.log.error({ err: error }, 'counting presence for /metrics failed');
        return null;
      })
      .finally(() => {
        counting = null;
      }));
  const gauge = (name: string, help: string, read: (counts: PresenceCounts) => Map<Status, number>) =>
    new Gauge({
      name,
      help,
      labelNames: ['status'] as const,
      registers: [registry],
      async collect() {
        const counts = await counted();
        if (counts) for (const status of STATUSES) this.set({ status }, read(counts).get(status) ?? 0);
      },
    });
  gauge('switchboard_users_online', 'Users with an open event stream, by presence status', (counts) => counts.online);
  gauge('switchboard_agents_in_cc', 'Agents logged in to contact-center mode, by presence status', (counts) => counts.inCc);
}

/** PostgreSQL's pool: connections open, idle, and queries waiting for one (SQLite has no pool). */
function poolGauges(registry: Registry, storage: Storage): void {
  const pool = storage.pool;
  if (!pool) return;
  const gauge = (name: string, help: string, read: (state: ReturnType<NonNullable<Storage['pool']>>) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read(pool()));
      },
    });
  gauge('switchboard_db_pool_connections', 'Connections the PostgreSQL pool holds open', (state) => state.total);
  gauge('switchboard_db_pool_idle', 'Open PostgreSQL connections not in use', (state) => state.idle);
  gauge('switchboard_db_pool_waiting', 'Queries waiting for a PostgreSQL connection', (state) => state.waiting);
}
