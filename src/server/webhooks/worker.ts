import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { WebhookSettings } from '../config.ts';
import type { Db } from '../db/schema.ts';
import type { SecretCipher } from '../secrets/cipher.ts';
import { recordOutcome } from './commands.ts';
import { webhookSender, type Sender } from './delivery.ts';
import { retryAt } from './rules.ts';
import { claimDeliveries, dispatchChanges, releaseLeases, subscriptionsBehind, subscriptionsDue, type ClaimedDelivery } from './store.ts';

/** Changes read from the feed per subscription and transaction. */
const DISPATCH_BATCH = 500;
/** A lease outlives the attempt's time limit by this much, so only a dead process loses one. */
const LEASE_MARGIN_MS = 5000;

/**
 * Runs in every process: turns the change feed into deliveries (the dispatcher) and sends the
 * deliveries due (the deliverer), each under a lease, so that of several processes on one
 * database exactly one attempts a delivery at a time. At most `concurrency` attempts are in
 * flight, a quarter of them for one subscription, so a slow receiver holds up only its own.
 */
export class WebhookWorker {
  readonly #owner = randomUUID();
  readonly #db: Db;
  readonly #cipher: SecretCipher;
  readonly #settings: WebhookSettings;
  readonly #log: FastifyBaseLogger;
  readonly #sender: Sender;
  readonly #inFlight = new Map<string, Promise<void>>();
  readonly #perSubscription = new Map<string, number>();
  #running: Promise<void> | null = null;
  #stopped = false;
  #again = false;
  #wake: (() => void) | null = null;

  constructor(db: Db, cipher: SecretCipher, settings: WebhookSettings, log: FastifyBaseLogger) {
    this.#db = db;
    this.#cipher = cipher;
    this.#settings = settings;
    this.#log = log;
    this.#sender = webhookSender({ timeoutMs: settings.timeoutMs, allowPrivate: settings.allowPrivate, sockets: settings.concurrency });
  }

  start(): void {
    this.#running ??= this.#loop();
  }

  /** Stops looking for work, cuts the attempts in flight and gives their deliveries back at once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#running;
    this.#sender.close();
    await Promise.allSettled(this.#inFlight.values());
    await releaseLeases(this.#db, this.#owner).catch((error: unknown) => this.#log.error({ err: error }, 'webhook leases were not given back; they end by themselves'));
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      this.#again = false;
      let busy = false;
      try {
        busy = await this.#round();
      } catch (error) {
        this.#log.error({ err: error }, 'webhook delivery round failed');
      }
      if (!busy && !this.#again && !this.#stopped) await this.#idle();
    }
  }

  #idle(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#wake?.(), this.#settings.pollMs);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = null;
        resolve();
      };
    });
  }

  #nudge(): void {
    this.#again = true;
    this.#wake?.();
  }

  /** One look at the feed and the outbox; answers whether it found work. */
  async #round(): Promise<boolean> {
    let busy = false;
    for (const subscription of await subscriptionsBehind(this.#db)) {
      busy = (await dispatchChanges(this.#db, subscription.id, new Date(), this.#settings.retryForMs, DISPATCH_BATCH)) > 0 || busy;
    }
    const share = Math.max(1, Math.ceil(this.#settings.concurrency / 4));
    for (const subscriptionId of await subscriptionsDue(this.#db, new Date())) {
      const free = Math.min(this.#settings.concurrency - this.#inFlight.size, share - (this.#perSubscription.get(subscriptionId) ?? 0));
      if (this.#stopped || free <= 0) continue;
      const now = new Date();
      const claimed = await claimDeliveries(this.#db, subscriptionId, this.#owner, now, new Date(now.getTime() + this.#settings.timeoutMs + LEASE_MARGIN_MS), free);
      for (const delivery of claimed) this.#attempt(delivery);
      busy = claimed.length > 0 || busy;
    }
    return busy;
  }

  #attempt(delivery: ClaimedDelivery): void {
    const subscription = delivery.subscription_id;
    this.#perSubscription.set(subscription, (this.#perSubscription.get(subscription) ?? 0) + 1);
    const work = this.#deliver(delivery).finally(() => {
      this.#inFlight.delete(delivery.id);
      const left = (this.#perSubscription.get(subscription) ?? 1) - 1;
      if (left > 0) this.#perSubscription.set(subscription, left);
      else this.#perSubscription.delete(subscription);
      this.#nudge();
    });
    this.#inFlight.set(delivery.id, work);
  }

  async #deliver(delivery: ClaimedDelivery): Promise<void> {
    try {
      const result = await this.#sender.send({ id: delivery.id, url: delivery.url, secret: this.#cipher.open(delivery.secret), body: delivery.payload });
      // Cut short by a stop: the delivery is given back, not counted as an attempt.
      if (this.#stopped && result.error !== null) return;
      const at = new Date();
      const retry = result.error === null ? null : retryAt(delivery.attempts + 1, at.getTime(), Date.parse(delivery.give_up_at), this.#settings.backoffMs);
      const outcome = result.error === null ? { delivered: true as const } : retry === null ? { failed: true as const } : { retryAt: new Date(retry) };
      const disabled = await recordOutcome(this.#db, delivery, this.#owner, { ...result, at, outcome });
      if (disabled) this.#log.warn({ webhook: delivery.subscription_id, delivery: delivery.id, error: result.error }, 'webhook turned off: a delivery failed for the whole retry time');
    } catch (error) {
      this.#log.error({ err: error, webhook: delivery.subscription_id, delivery: delivery.id }, 'webhook delivery could not be recorded; it is retried when its lease ends');
    }
  }
}
