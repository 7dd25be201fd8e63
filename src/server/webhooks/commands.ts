import { randomBytes } from 'node:crypto';
import { diff, MASK } from '../audit/rules.ts';
import { recordAudit, systemActor, type AuditActor } from '../audit/store.ts';
import { lastChange } from '../changes/store.ts';
import type { WebhookSettings } from '../config.ts';
import { timeOrderedId } from '../identifiers/time-ordered-id.ts';
import type { Db, WebhookDeliveriesTable } from '../db/schema.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import { conflict, invalid, notFound } from '../http/problem.ts';
import type { SecretCipher } from '../secrets/cipher.ts';
import { pingPayload, PING, PRESENCE, presencePayload, resourceKeyOf, wants } from './rules.ts';
import type { WebhookCreate, WebhookUpdate, WebhookView } from './schema.ts';
import {
  deleteSubscription,
  findSubscription,
  forgetPresenceSubscribers,
  insertDeliveries,
  insertDelivery,
  insertSubscription,
  pendingDelivery,
  presenceSubscribers,
  recordAttempts,
  redeliver,
  resumeDeliveries,
  toWebhookView,
  updateSubscription,
  type AttemptRecord,
  type ClaimedDelivery,
  type SubscriptionRow,
} from './store.ts';
import { resolveTarget, TargetRefused } from './targets.ts';

/** What webhook writes need besides the database. */
export interface WebhookTools {
  cipher: SecretCipher;
  settings: WebhookSettings;
}

/** A signing secret as the Standard Webhooks specification writes it: `whsec_` and 32 random bytes in base64. */
const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

const audited = (subscription: Pick<SubscriptionRow, 'id' | 'domain_id' | 'url'>) => ({ type: 'webhook', id: subscription.id, name: subscription.url });

/** Refuses a target on an address the configuration does not allow, before anything is sent to it. */
async function checkTarget(url: string, settings: WebhookSettings): Promise<void> {
  try {
    await resolveTarget(new URL(url), settings.allowPrivate);
  } catch (error) {
    if (!(error instanceof TargetRefused)) throw error;
    throw invalid([
      { path: 'url', code: 'webhook.target_refused', message: `${error.message}; webhooks go to public addresses only (SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE)` },
    ]);
  }
}

export async function mustFindSubscription(db: Db, domainId: string, id: string): Promise<SubscriptionRow> {
  const found = await findSubscription(db, domainId, id);
  if (!found) throw notFound('Webhook');
  return found;
}

/** A new subscription follows the feed from now on; its secret is answered this once. */
export async function createWebhook(
  db: Db,
  { cipher, settings }: WebhookTools,
  actor: AuditActor,
  domain: DomainRecord,
  input: WebhookCreate,
): Promise<WebhookView & { secret: string }> {
  await checkTarget(input.url, settings);
  const secret = newSecret();
  const now = new Date().toISOString();
  const view = await db.transaction().execute(async (trx) => {
    const row: SubscriptionRow = {
      id: timeOrderedId(),
      domain_id: domain.id,
      url: input.url,
      description: input.description,
      event_types: JSON.stringify([...new Set(input.eventTypes)]),
      active: input.active ? 1 : 0,
      disabled_reason: null,
      secret: cipher.seal(secret),
      cursor_seq: await lastChange(trx, domain.id),
      created_at: now,
      updated_at: now,
    };
    await insertSubscription(trx, row);
    const created = toWebhookView(row);
    await recordAudit(trx, { domainId: domain.id, actor, action: 'webhook.created', target: audited(row), changes: diff(null, auditable(created)) });
    return created;
  });
  forgetPresenceSubscribers(domain.id);
  return { ...view, secret };
}

/** Turning a subscription back on resumes it from its cursor, each waiting delivery with its whole retry time again. */
export async function updateWebhook(
  db: Db,
  { settings }: WebhookTools,
  actor: AuditActor,
  domain: DomainRecord,
  id: string,
  change: WebhookUpdate,
): Promise<WebhookView> {
  const before = await mustFindSubscription(db, domain.id, id);
  if (change.url !== undefined && change.url !== before.url) await checkTarget(change.url, settings);
  const resumed = change.active === true && before.active === 0;
  const next = {
    url: change.url ?? before.url,
    description: change.description === undefined ? before.description : change.description,
    event_types: change.eventTypes ? JSON.stringify([...new Set(change.eventTypes)]) : before.event_types,
    active: change.active === undefined ? before.active : change.active ? 1 : 0,
    disabled_reason: change.active === undefined ? before.disabled_reason : null,
    updated_at: new Date().toISOString(),
  };
  const updated = await db.transaction().execute(async (trx) => {
    await updateSubscription(trx, id, next);
    if (resumed) await resumeDeliveries(trx, id, new Date(Date.now() + settings.retryForMs));
    const after = await mustFindSubscription(trx, domain.id, id);
    await recordAudit(trx, {
      domainId: domain.id,
      actor,
      action: 'webhook.updated',
      target: audited(after),
      changes: diff(auditable(toWebhookView(before)), auditable(toWebhookView(after))),
    });
    return toWebhookView(after);
  });
  forgetPresenceSubscribers(domain.id);
  return updated;
}

export async function deleteWebhook(db: Db, actor: AuditActor, domain: DomainRecord, id: string): Promise<void> {
  const subscription = await mustFindSubscription(db, domain.id, id);
  await db.transaction().execute(async (trx) => {
    await deleteSubscription(trx, id);
    await recordAudit(trx, {
      domainId: domain.id,
      actor,
      action: 'webhook.deleted',
      target: audited(subscription),
      changes: diff(auditable(toWebhookView(subscription)), null),
    });
  });
  forgetPresenceSubscribers(domain.id);
}

/** A new signing secret, answered this once; deliveries from now on are signed with it alone. */
export async function rotateSecret(db: Db, { cipher }: WebhookTools, actor: AuditActor, domain: DomainRecord, id: string): Promise<{ secret: string }> {
  const subscription = await mustFindSubscription(db, domain.id, id);
  const secret = newSecret();
  await db.transaction().execute(async (trx) => {
    await updateSubscription(trx, id, { secret: cipher.seal(secret), updated_at: new Date().toISOString() });
    await recordAudit(trx, {
      domainId: domain.id,
      actor,
      action: 'webhook.secret_rotated',
      target: audited(subscription),
      changes: { secret: { from: MASK, to: MASK } },
    });
  });
  return { secret };
}

function mustBeActive(subscription: SubscriptionRow): void {
  if (subscription.active !== 1) throw conflict('webhook.inactive', 'The webhook is turned off; turn it on (active: true) first');
}

/** Queues a `webhook.ping` delivery, sent like any other; answers its id. */
export async function ping(db: Db, { settings }: WebhookTools, domain: DomainRecord, id: string): Promise<{ id: string }> {
  const subscription = await mustFindSubscription(db, domain.id, id);
  mustBeActive(subscription);
  const now = new Date();
  const row = pendingDelivery(subscription.id, null, '', PING, pingPayload(domain.name, subscription.id, now), now, settings.retryForMs);
  await insertDelivery(db, { ...row, resource_key: resourceKeyOf(subscription.id, { type: 'ping', id: row.id }) });
  return { id: row.id };
}

/** Sends a delivery again (with the same `webhook-id`), whatever became of it. */
export async function redeliverOne(db: Db, { settings }: WebhookTools, actor: AuditActor, domain: DomainRecord, id: string, deliveryId: string): Promise<void> {
  const subscription = await mustFindSubscription(db, domain.id, id);
  mustBeActive(subscription);
  await db.transaction().execute(async (trx) => {
    if (!(await redeliver(trx, subscription.id, deliveryId, new Date(), settings.retryForMs))) throw notFound('Delivery');
    await recordAudit(trx, {
      domainId: domain.id,
      actor,
      action: 'webhook.redelivered',
      target: audited(subscription),
      changes: { delivery: { from: null, to: deliveryId } },
    });
  });
}

/**
 * Records the outcomes of attempts, in one transaction. A delivery that failed for the whole
 * retry time turns its subscription off, with an audit entry, so a dead receiver does not pile
 * up deliveries forever. Answers the deliveries that turned their subscription off.
 */
export async function recordOutcomes(db: Db, owner: string, outcomes: { delivery: ClaimedDelivery; attempt: AttemptRecord }[]): Promise<ClaimedDelivery[]> {
  if (!outcomes.length) return [];
  // Without a delivery that failed for good there is nothing to turn off: recording the attempts
  // is one statement, atomic by itself, and needs no transaction around it.
  if (!outcomes.some(({ attempt }) => 'failed' in attempt.outcome)) {
    await recordAttempts(db, owner, outcomes);
    return [];
  }
  return db.transaction().execute(async (trx) => {
    const disabling: ClaimedDelivery[] = [];
    const recorded = await recordAttempts(trx, owner, outcomes);
    for (const { delivery, attempt } of outcomes) {
      if (!recorded.has(delivery.id) || !('failed' in attempt.outcome) || disabling.some((d) => d.subscription_id === delivery.subscription_id)) continue;
      await updateSubscription(trx, delivery.subscription_id, { active: 0, disabled_reason: 'deliveries_failing', updated_at: attempt.at.toISOString() });
      await recordAudit(trx, {
        domainId: delivery.domain_id,
        actor: systemActor,
        action: 'webhook.disabled',
        target: { type: 'webhook', id: delivery.subscription_id, name: delivery.url },
        changes: { active: { from: true, to: false }, disabledReason: { from: null, to: 'deliveries_failing' }, delivery: { from: null, to: delivery.id } },
      });
      disabling.push(delivery);
    }
    return disabling;
  });
}

/**
 * What presence history rows bring with them (PresenceOptions.alongHistory): a delivery of
 * `presence.changed` per row and subscription that wants it, written in the rows' transaction.
 * The process that applied a change is the one that writes its rows, so each change is queued
 * once, however many processes run. Answers null, after one cached look-up, when nobody wants them.
 */
export function presenceDeliveries(db: Db, settings: WebhookSettings) {
  const wantsPresence = (eventTypes: string[]) => wants(eventTypes, PRESENCE);
  return async (rows: { domain_id: string; user_id: string; dimension: string; value: string; reason: string | null; by: string; at: string }[]) => {
    const deliveries: WebhookDeliveriesTable[] = [];
    const now = new Date();
    for (const domainId of new Set(rows.map((r) => r.domain_id))) {
      const { domain, ids } = await presenceSubscribers(db, domainId, wantsPresence);
      if (!ids.length) continue;
      for (const row of rows) {
        if (row.domain_id !== domainId) continue;
        const payload = presencePayload(
          { userId: row.user_id, dimension: row.dimension, value: row.value, reason: row.reason, by: row.by, at: row.at },
          domain,
        );
        for (const id of ids)
          deliveries.push(pendingDelivery(id, null, resourceKeyOf(id, { type: 'presence', id: row.user_id }), PRESENCE, payload, now, settings.retryForMs));
      }
    }
    return deliveries.length ? (trx: Db) => insertDeliveries(trx, deliveries) : null;
  };
}

/** What the audit log keeps of a subscription: its settings, never its secret nor its progress. */
const auditable = ({ url, description, eventTypes, active }: WebhookView) => ({ url, description, eventTypes, active });
