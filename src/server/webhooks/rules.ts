import { createHmac } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import { resources } from '../changes/rules.ts';
import type { ChangeView } from '../changes/schema.ts';
import type { WebhookSettings } from '../config.ts';

/** The type of the test ping; delivered whatever the subscription's event types. */
export const PING = 'webhook.ping';

/**
 * An agent's presence changed (status, CC login, registration, online). Not a change of the
 * directory's feed: delivered only to subscriptions that name it (`presence.changed` or
 * `presence.*`), never through `*`, for there may be many.
 */
export const PRESENCE = 'presence.changed';

/** The resources event types are named after: the change feed's, and presence. */
const eventResources = new Set([...resources, 'presence']);

/**
 * Why an event-type pattern is not one, or null: `*`, `<resource>.*` or `<resource>.<action>`,
 * with a resource of the change feed (`user.created`, `role.*`, `license.assigned`).
 */
export function patternProblem(pattern: string): string | null {
  if (pattern === '*') return null;
  const match = /^([a-z_]+)\.([a-z_]+|\*)$/.exec(pattern);
  if (!match) return 'An event type such as user.created, a resource with .* such as user.*, or *';
  if (!eventResources.has(match[1] as string)) return `No resource called ${match[1]}; one of ${[...eventResources].join(', ')}`;
  if (match[1] === 'presence' && match[2] !== '*' && `presence.${match[2]}` !== PRESENCE) return `Presence has one event type: ${PRESENCE}`;
  return null;
}

export function wants(patterns: readonly string[], eventType: string): boolean {
  if (eventType === PING) return true;
  if (eventType === PRESENCE) return patterns.some((p) => p === PRESENCE || p === 'presence.*');
  const resource = eventType.split('.')[0];
  return patterns.some((p) => p === '*' || p === eventType || p === `${resource}.*`);
}

/**
 * The event a change is delivered as: its action (`user.updated`, `license.assigned`). A SIP
 * account is part of its user: its changes are `user.updated` with `sip…` among the fields.
 */
export const eventTypeOf = (change: Pick<ChangeView, 'action'>) => change.action;

/**
 * Deliveries with one key go out in the order of the feed: one resource's, to one subscription.
 * The subscription is part of the key so that one index answers "is an earlier one pending".
 */
export const resourceKeyOf = (subscriptionId: string, resource: { type: string; id: string }) => `${subscriptionId}/${resource.type}:${resource.id}`;

/** The Standard Webhooks body: what changed, never a value of it, let alone a secret. */
export function payloadOf(change: ChangeView, domain: string): string {
  return JSON.stringify({
    type: eventTypeOf(change),
    timestamp: change.at,
    data: { domain, seq: change.seq, resource: change.resource, action: change.action, version: change.version, fields: change.fields, actor: change.actor },
  });
}

/** A presence change as delivered: whose, which dimension, its new value, why, by whom, when. */
export interface PresenceChange {
  userId: string;
  /** `status`, `cc` (login, logout), `registration` (registered, unregistered) or `online` (online, offline). */
  dimension: string;
  value: string;
  reason: string | null;
  by: string;
  at: string;
}

export function presencePayload(change: PresenceChange, domain: string): string {
  return JSON.stringify({
    type: PRESENCE,
    timestamp: change.at,
    data: {
      domain,
      userId: change.userId,
      dimension: change.dimension,
      value: change.value,
      ...(change.dimension === 'status' ? { status: change.value } : {}),
      reason: change.reason,
      by: change.by,
      at: change.at,
    },
  });
}

export function pingPayload(domain: string, subscriptionId: string, at: Date): string {
  return JSON.stringify({ type: PING, timestamp: at.toISOString(), data: { domain, webhook: subscriptionId } });
}

/**
 * The `webhook-signature` header of the Standard Webhooks specification: HMAC-SHA256 of
 * `id.timestamp.body` under the secret's bytes (the base64 after `whsec_`), as `v1,<base64>`.
 */
export function signatureOf(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/**
 * When to try again after the `attempts`-th failed attempt: an exponential delay with jitter
 * (half to all of it, so receivers coming back are not hit by every sender at once), or null
 * once the delivery is past its time to give up.
 */
export function retryAt(attempts: number, now: number, giveUpAt: number, backoff: WebhookSettings['backoffMs'], random = Math.random()): number | null {
  const delay = Math.min(backoff.longest, backoff.first * 2 ** Math.min(attempts - 1, 30));
  const at = now + Math.round(delay * (0.5 + random / 2));
  return now >= giveUpAt ? null : Math.min(at, giveUpAt);
}

/**
 * Whether an address is a public unicast one. Loopback, private (RFC 1918, ULA fc00::/7),
 * link-local, CGNAT 100.64/10, multicast, unspecified, documentation, reserved and the IPv6
 * transition ranges that embed an IPv4 address are not.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
}

/** Why a URL is not a webhook target before any name is resolved, or null. */
export function urlProblem(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'Not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'Only http and https URLs';
  if (url.username || url.password) return 'No user name or password in the URL; authenticate the webhook by its signature';
  if (url.hash) return 'No fragment (#…) in the URL';
  return null;
}
