import { PostgresAdapter, sql, type SelectQueryBuilder } from 'kysely';
import { listChanges } from '../changes/store.ts';
import { timeOrderedId } from '../identifiers/time-ordered-id.ts';
import type { Db, WebhookDeliveriesTable, WebhookSubscriptionsTable } from '../db/schema.ts';
import { decodeCursor, encodeCursor, toPage } from '../http/paging.ts';
import { eventTypeOf, payloadOf, resourceKeyOf, wants } from './rules.ts';
import type { DeliveriesQuery, DeliveryView, WebhookView } from './schema.ts';

export type SubscriptionRow = WebhookSubscriptionsTable;

const isPostgres = (db: Db) => db.getExecutor().adapter instanceof PostgresAdapter;

/** On PostgreSQL, rows other processes hold are passed over; SQLite has one writer, and needs no lock. */
function lockedOrSkipped<DB, TB extends keyof DB, O>(db: Db, query: SelectQueryBuilder<DB, TB, O>): SelectQueryBuilder<DB, TB, O> {
  return isPostgres(db) ? query.forUpdate().skipLocked() : query;
}

export const toWebhookView = (row: SubscriptionRow): WebhookView => ({
  id: row.id,
  url: row.url,
  description: row.description,
  eventTypes: JSON.parse(row.event_types) as string[],
  active: row.active === 1,
  disabledReason: row.disabled_reason,
  lastSeq: Number(row.cursor_seq),
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export async function insertSubscription(db: Db, row: SubscriptionRow): Promise<void> {
  await db.insertInto('webhook_subscriptions').values(row).execute();
}

export function findSubscription(db: Db, domainId: string, id: string): Promise<SubscriptionRow | undefined> {
  return db.selectFrom('webhook_subscriptions').selectAll().where('domain_id', '=', domainId).where('id', '=', id).executeTakeFirst();
}

export function listSubscriptions(db: Db, domainId: string): Promise<SubscriptionRow[]> {
  return db.selectFrom('webhook_subscriptions').selectAll().where('domain_id', '=', domainId).orderBy('created_at').orderBy('id').execute();
}

export async function updateSubscription(db: Db, id: string, change: Partial<Omit<SubscriptionRow, 'id' | 'domain_id'>>): Promise<void> {
  await db.updateTable('webhook_subscriptions').set(change).where('id', '=', id).execute();
}

export async function deleteSubscription(db: Db, id: string): Promise<void> {
  await db.deleteFrom('webhook_subscriptions').where('id', '=', id).execute();
}

/** Deliveries waiting when a subscription is turned back on get the whole retry time again. */
export async function resumeDeliveries(db: Db, subscriptionId: string, giveUpAt: Date): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({ give_up_at: giveUpAt.toISOString() })
    .where('subscription_id', '=', subscriptionId)
    .where('state', '=', 'pending')
    .execute();
}

/**
 * The worker's two questions in one query: which active subscriptions have changes in their
 * domain's feed past their cursor (`behind`), and which have deliveries due now (`due`).
 */
export async function subscriptionsToServe(db: Db, now: Date): Promise<{ id: string; behind: boolean; due: boolean }[]> {
  const rows = await db
    .selectFrom('webhook_subscriptions as s')
    .select(({ exists, selectFrom }) => [
      's.id',
      exists(
        selectFrom('change_counters as c').select('c.domain_id').whereRef('c.domain_id', '=', 's.domain_id').whereRef('c.last_seq', '>', 's.cursor_seq'),
      ).as('behind'),
      exists(
        selectFrom('webhook_deliveries as d')
          .select('d.id')
          .whereRef('d.subscription_id', '=', 's.id')
          .where('d.state', '=', 'pending')
          .where('d.next_attempt_at', '<=', now.toISOString()),
      ).as('due'),
    ])
    .where('s.active', '=', 1)
    .execute();
  return rows.map((r) => ({ id: r.id, behind: Boolean(r.behind), due: Boolean(r.due) })).filter((r) => r.behind || r.due);
}

/**
 * Turns the next changes of the feed after the subscription's cursor into deliveries and moves
 * the cursor past them, in one transaction: a crash leaves both as they were. On PostgreSQL the
 * subscription's row is locked, and one held by another process is left to it. Answers how many
 * changes were read (0: nothing to do here now).
 */
export async function dispatchChanges(db: Db, subscriptionId: string, now: Date, retryForMs: number, batch: number): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const subscription = await lockedOrSkipped(
      trx,
      trx.selectFrom('webhook_subscriptions').select(['id', 'domain_id', 'event_types', 'cursor_seq']).where('id', '=', subscriptionId).where('active', '=', 1),
    ).executeTakeFirst();
    if (!subscription) return 0;
    const { items } = await listChanges(trx, subscription.domain_id, Number(subscription.cursor_seq), batch);
    if (!items.length) return 0;
    const { name: domain } = await trx.selectFrom('domains').select('name').where('id', '=', subscription.domain_id).executeTakeFirstOrThrow();
    const patterns = JSON.parse(subscription.event_types) as string[];
    const rows: WebhookDeliveriesTable[] = items
      .filter((change) => wants(patterns, eventTypeOf(change)))
      .map((change) =>
        pendingDelivery(
          subscription.id,
          change.seq,
          resourceKeyOf(subscription.id, change.resource),
          eventTypeOf(change),
          payloadOf(change, domain),
          now,
          retryForMs,
        ),
      );
    for (let i = 0; i < rows.length; i += 500) {
      await trx
        .insertInto('webhook_deliveries')
        .values(rows.slice(i, i + 500))
        .onConflict((oc) => oc.columns(['subscription_id', 'seq']).doNothing())
        .execute();
    }
    await trx
      .updateTable('webhook_subscriptions')
      .set({ cursor_seq: items[items.length - 1]?.seq as number })
      .where('id', '=', subscription.id)
      .execute();
    return items.length;
  });
}

export function pendingDelivery(
  subscriptionId: string,
  seq: number | null,
  resourceKey: string,
  eventType: string,
  payload: string,
  now: Date,
  retryForMs: number,
): WebhookDeliveriesTable {
  return {
    id: timeOrderedId(now.getTime()),
    subscription_id: subscriptionId,
    seq,
    resource_key: resourceKey,
    event_type: eventType,
    payload,
    state: 'pending',
    attempts: 0,
    created_at: now.toISOString(),
    next_attempt_at: now.toISOString(),
    give_up_at: new Date(now.getTime() + retryForMs).toISOString(),
    lease_owner: null,
    lease_until: null,
    delivered_at: null,
  };
}

export async function insertDelivery(db: Db, row: WebhookDeliveriesTable): Promise<void> {
  await db.insertInto('webhook_deliveries').values(row).execute();
}

export async function insertDeliveries(db: Db, rows: WebhookDeliveriesTable[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500)
    await db
      .insertInto('webhook_deliveries')
      .values(rows.slice(i, i + 500))
      .execute();
}

/** A domain's active subscriptions that want presence changes, and the domain's name for their payloads. */
export interface PresenceSubscribers {
  domain: string;
  ids: string[];
}

/** How long a process trusts what it read of presence subscribers; its own webhook writes forget it at once. */
const PRESENCE_SUBSCRIBERS_MS = 1000;
const presenceSubscribersRead = new Map<string, { until: number; subscribers: PresenceSubscribers }>();

/**
 * The subscriptions of a domain that want presence changes, read at most once a second per
 * domain: presence changes come by the thousand, and most domains have no such subscription.
 */
export async function presenceSubscribers(
  db: Db,
  domainId: string,
  wantsPresence: (eventTypes: string[]) => boolean,
  now = Date.now(),
): Promise<PresenceSubscribers> {
  const known = presenceSubscribersRead.get(domainId);
  if (known && known.until > now) return known.subscribers;
  const rows = await db
    .selectFrom('domains as m')
    .leftJoin('webhook_subscriptions as s', (join) => join.onRef('s.domain_id', '=', 'm.id').on('s.active', '=', 1))
    .select(['m.name', 's.id', 's.event_types'])
    .where('m.id', '=', domainId)
    .execute();
  const subscribers = {
    domain: rows[0]?.name ?? '',
    ids: rows.filter((r) => r.id !== null && r.event_types !== null && wantsPresence(JSON.parse(r.event_types) as string[])).map((r) => r.id as string),
  };
  presenceSubscribersRead.set(domainId, { until: now + PRESENCE_SUBSCRIBERS_MS, subscribers });
  return subscribers;
}

/** After a write to a domain's subscriptions: this process reads its presence subscribers again. */
export function forgetPresenceSubscribers(domainId: string): void {
  presenceSubscribersRead.delete(domainId);
}

export interface ClaimedDelivery {
  id: string;
  subscription_id: string;
  payload: string;
  attempts: number;
  give_up_at: string;
  url: string;
  secret: string;
  domain_id: string;
}

/**
 * Leases up to `limit` due deliveries of a subscription to `owner` until `leaseUntil`. A delivery
 * waits while an earlier one of the same resource is pending (retries included), so each
 * resource's changes arrive in order; a lease held by a live process is never taken over.
 */
export async function claimDeliveries(db: Db, subscriptionId: string, owner: string, now: Date, leaseUntil: Date, limit: number): Promise<ClaimedDelivery[]> {
  if (limit <= 0) return [];
  const due = lockedOrSkipped(
    db,
    db
      .selectFrom('webhook_deliveries as d')
      .select('d.id')
      .where('d.subscription_id', '=', subscriptionId)
      .where('d.state', '=', 'pending')
      .where('d.next_attempt_at', '<=', now.toISOString())
      .where((eb) => eb.or([eb('d.lease_until', 'is', null), eb('d.lease_until', '<=', now.toISOString())]))
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('webhook_deliveries as e')
              .select('e.id')
              .whereRef('e.resource_key', '=', 'd.resource_key')
              .where('e.state', '=', 'pending')
              .whereRef('e.seq', '<', 'd.seq'),
          ),
        ),
      )
      // Outside the feed (presence changes) there is no number: the time-ordered id orders them.
      // A check of its own, so the feed's deliveries keep the plain one its index answers.
      .where((eb) =>
        eb.or([
          eb('d.seq', 'is not', null),
          eb.not(
            eb.exists(
              eb
                .selectFrom('webhook_deliveries as f')
                .select('f.id')
                .whereRef('f.resource_key', '=', 'd.resource_key')
                .where('f.state', '=', 'pending')
                .whereRef('f.id', '<', 'd.id'),
            ),
          ),
        ]),
      )
      .orderBy('d.next_attempt_at')
      .orderBy('d.id')
      .limit(limit),
  );
  // One statement, atomic by itself: on PostgreSQL its rows stay locked until it ends, and the
  // subscription's target comes with them (one round trip a claim).
  if (isPostgres(db)) {
    const claimed = await db
      .updateTable('webhook_deliveries')
      .from('webhook_subscriptions as s')
      .set({ lease_owner: owner, lease_until: leaseUntil.toISOString() })
      .whereRef('s.id', '=', 'webhook_deliveries.subscription_id')
      .where('s.active', '=', 1)
      .where('webhook_deliveries.id', 'in', due)
      .returning([
        'webhook_deliveries.id',
        'webhook_deliveries.subscription_id',
        'webhook_deliveries.payload',
        'webhook_deliveries.attempts',
        'webhook_deliveries.give_up_at',
        's.url',
        's.secret',
        's.domain_id',
      ])
      .execute();
    return claimed;
  }
  // SQLite's RETURNING sees only the table updated; it has one writer, so the read before is as good.
  const subscription = await db
    .selectFrom('webhook_subscriptions')
    .select(['url', 'secret', 'domain_id'])
    .where('id', '=', subscriptionId)
    .where('active', '=', 1)
    .executeTakeFirst();
  if (!subscription) return [];
  const claimed = await db
    .updateTable('webhook_deliveries')
    .set({ lease_owner: owner, lease_until: leaseUntil.toISOString() })
    .where('id', 'in', due)
    .returning(['id', 'subscription_id', 'payload', 'attempts', 'give_up_at'])
    .execute();
  return claimed.map((d) => ({ ...d, ...subscription }));
}

export interface AttemptRecord {
  status: number | null;
  latencyMs: number;
  error: string | null;
  at: Date;
  /** Delivered, a time to try again, or the end: the delivery failed for good. */
  outcome: { delivered: true } | { retryAt: Date } | { failed: true };
}

/**
 * Writes attempts into the log and their outcomes into the deliveries this process still holds
 * the lease of (another has taken over the rest, and their outcomes count). Deliveries that
 * arrived are marked in one statement: a fast receiver is not held to one write per delivery.
 * Answers the ids recorded.
 */
export async function recordAttempts(
  db: Db,
  owner: string,
  attempts: { delivery: Pick<ClaimedDelivery, 'id' | 'attempts'>; attempt: AttemptRecord }[],
): Promise<Set<string>> {
  if (isPostgres(db)) return recordAttemptsAtOnce(db, owner, attempts);
  const recorded = new Set<string>();
  const arrived = attempts.filter(({ attempt }) => 'delivered' in attempt.outcome);
  if (arrived.length) {
    const at = arrived.reduce((latest, { attempt }) => (attempt.at > latest ? attempt.at : latest), arrived[0]!.attempt.at).toISOString();
    const rows = await db
      .updateTable('webhook_deliveries')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), state: 'delivered', next_attempt_at: at, delivered_at: at, lease_owner: null, lease_until: null }))
      .where(
        'id',
        'in',
        arrived.map(({ delivery }) => delivery.id),
      )
      .where('lease_owner', '=', owner)
      .returning('id')
      .execute();
    for (const row of rows) recorded.add(row.id);
  }
  for (const { delivery, attempt } of attempts) {
    const { outcome } = attempt;
    if ('delivered' in outcome) continue;
    const updated = await db
      .updateTable('webhook_deliveries')
      .set({
        attempts: delivery.attempts + 1,
        state: 'failed' in outcome ? 'failed' : 'pending',
        next_attempt_at: 'retryAt' in outcome ? outcome.retryAt.toISOString() : attempt.at.toISOString(),
        lease_owner: null,
        lease_until: null,
      })
      .where('id', '=', delivery.id)
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 1) recorded.add(delivery.id);
  }
  const log = attempts
    .filter(({ delivery }) => recorded.has(delivery.id))
    .map(({ delivery, attempt }) => ({
      id: timeOrderedId(),
      delivery_id: delivery.id,
      attempt: delivery.attempts + 1,
      at: attempt.at.toISOString(),
      status: attempt.status,
      latency_ms: attempt.latencyMs,
      error: attempt.error,
    }));
  for (let i = 0; i < log.length; i += 500)
    await db
      .insertInto('webhook_attempts')
      .values(log.slice(i, i + 500))
      .execute();
  return recorded;
}

/**
 * PostgreSQL's way: every outcome and its line in the log in one statement (one array a column,
 * so one plan whatever the count), atomic by itself, so a round of a fast receiver costs one round trip.
 */
async function recordAttemptsAtOnce(
  db: Db,
  owner: string,
  attempts: { delivery: Pick<ClaimedDelivery, 'id' | 'attempts'>; attempt: AttemptRecord }[],
): Promise<Set<string>> {
  if (!attempts.length) return new Set();
  const column = <T>(of: (a: (typeof attempts)[number]) => T) => attempts.map(of);
  const state = ({ outcome }: AttemptRecord) => ('delivered' in outcome ? 'delivered' : 'failed' in outcome ? 'failed' : 'pending');
  const { rows } = await sql<{ delivery_id: string }>`
    with outcome as (
      select * from unnest(
        ${column(({ delivery }) => delivery.id)}::text[], ${column(({ delivery }) => delivery.attempts + 1)}::int[], ${column(({ attempt }) => state(attempt))}::text[],
        ${column(({ attempt }) => ('retryAt' in attempt.outcome ? attempt.outcome.retryAt : attempt.at).toISOString())}::text[],
        ${column(({ attempt }) => ('delivered' in attempt.outcome ? attempt.at.toISOString() : null))}::text[],
        ${column(({ attempt }) => attempt.at.toISOString())}::text[], ${column(({ attempt }) => attempt.status)}::int[],
        ${column(({ attempt }) => attempt.latencyMs)}::int[], ${column(({ attempt }) => attempt.error)}::text[], ${column(() => timeOrderedId())}::text[]
      ) as o(id, attempt, state, next_attempt_at, delivered_at, at, status, latency_ms, error, log_id)
    ), recorded as (
      update webhook_deliveries d
      set attempts = o.attempt, state = o.state, next_attempt_at = o.next_attempt_at, delivered_at = coalesce(o.delivered_at, d.delivered_at), lease_owner = null, lease_until = null
      from outcome o
      where d.id = o.id and d.lease_owner = ${owner}
      returning d.id
    )
    insert into webhook_attempts (id, delivery_id, attempt, at, status, latency_ms, error)
    select o.log_id, o.id, o.attempt, o.at, o.status, o.latency_ms, o.error from outcome o join recorded r on r.id = o.id
    returning delivery_id`.execute(db);
  return new Set(rows.map((r) => r.delivery_id));
}

/** Sends a delivery again now; one in flight is left to finish. Answers whether it was found. */
export async function redeliver(db: Db, subscriptionId: string, deliveryId: string, now: Date, retryForMs: number): Promise<boolean> {
  const result = await db
    .updateTable('webhook_deliveries')
    .set({ state: 'pending', next_attempt_at: now.toISOString(), give_up_at: new Date(now.getTime() + retryForMs).toISOString(), delivered_at: null })
    .where('subscription_id', '=', subscriptionId)
    .where('id', '=', deliveryId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** A subscription's deliveries, newest first, each with its attempts. */
export async function listDeliveries(db: Db, subscriptionId: string, query: DeliveriesQuery) {
  let select = db
    .selectFrom('webhook_deliveries')
    .select(['id', 'event_type', 'seq', 'state', 'attempts', 'created_at', 'next_attempt_at', 'delivered_at'])
    .where('subscription_id', '=', subscriptionId)
    .orderBy('id', 'desc')
    .limit(query.limit + 1);
  if (query.state) select = select.where('state', '=', query.state);
  if (query.cursor) select = select.where('id', '<', decodeCursor(query.cursor)[1]);
  const rows = await select.execute();
  const ids = rows.map((r) => r.id);
  const attempts = ids.length
    ? await db
        .selectFrom('webhook_attempts')
        .select(['delivery_id', 'attempt', 'at', 'status', 'latency_ms', 'error'])
        .where('delivery_id', 'in', ids)
        .orderBy('delivery_id')
        .orderBy('attempt')
        .execute()
    : [];
  const log = new Map<string, DeliveryView['log']>();
  for (const a of attempts)
    log.set(a.delivery_id, [...(log.get(a.delivery_id) ?? []), { attempt: a.attempt, at: a.at, status: a.status, latencyMs: a.latency_ms, error: a.error }]);
  return toPage(
    rows,
    query.limit,
    (r): DeliveryView => ({
      id: r.id,
      eventType: r.event_type,
      seq: r.seq === null ? null : Number(r.seq),
      state: r.state,
      attempts: r.attempts,
      createdAt: r.created_at,
      nextAttemptAt: r.state === 'pending' ? r.next_attempt_at : null,
      deliveredAt: r.delivered_at,
      log: log.get(r.id) ?? [],
    }),
    (r) => encodeCursor(0, r.id),
  );
}

/** Forgets finished deliveries (and their attempts) older than the retention. */
export async function pruneDeliveries(db: Db, before: Date): Promise<number> {
  const result = await db.deleteFrom('webhook_deliveries').where('state', '!=', 'pending').where('created_at', '<', before.toISOString()).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Gives back the leases a stopping process holds, so another process need not wait for them to end. */
export async function releaseLeases(db: Db, owner: string): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({ lease_owner: null, lease_until: null })
    .where('lease_owner', '=', owner)
    .where('state', '=', 'pending')
    .execute();
}
