import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { WebhookSettings } from '../config.ts';
import type { Db } from '../db/schema.ts';
import type { SecretCipher } from '../secrets/cipher.ts';
import { recordOutcomes } from './commands.ts';
import { webhookSender, type Attempt, type Sender } from './delivery.ts';
import { retryAt } from './rules.ts';
import { countWebhookAttempt } from '../metrics/counters.ts';
import { claimDeliveries, dispatchChanges, releaseLeases, subscriptionsToServe, type AttemptRecord, type ClaimedDelivery } from './store.ts';

/** Changes read from the feed per subscription and transaction. */
const DISPATCH_BATCH = 500;
/** A lease outlives the attempt's time limit by this much, so only a dead process loses one. */
const LEASE_MARGIN_MS = 5000;

/**
 * Runs in every process: turns the change feed into deliveries (the dispatcher) and sends the
 * deliveries due (the deliverer), each under a lease, so that of several processes on one
 * database exactly one attempts a delivery at a time. At most `concurrency` attempts are in
 * flight, a quarter of them for one subscription, so a slow receiver holds up only its own.
 * Outcomes are written together, one transaction a round, so the database keeps up with a fast
 * receiver.
 */
export class WebhookWorker {
  readonly #owner = randomUUID();
  readonly #db: Db;
  readonly #cipher: SecretCipher;
  readonly #settings: WebhookSettings;
  readonly #log: FastifyBaseLogger;
  readonly #sender: Sender;
  /** Attempts claimed and not yet recorded, by subscription: the places they take. */
  readonly #taken = new Map<string, number>();
  readonly #sending = new Set<Promise<void>>();
  #finished: { delivery: ClaimedDelivery; attempt: AttemptRecord }[] = [];
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
    await Promise.allSettled(this.#sending);
    try {
      await this.#record();
      await releaseLeases(this.#db, this.#owner);
    } catch (error) {
      this.#log.error({ err: error }, 'webhook leases were not given back; they end by themselves');
    }
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

  /** Records what finished, looks at the feed and the outbox; answers whether it found work. */
  async #round(): Promise<boolean> {
    await this.#record();
    let busy = false;
    const share = Math.max(1, Math.ceil(this.#settings.concurrency / 4));
    for (const { id: subscriptionId, behind, due } of await subscriptionsToServe(this.#db, new Date())) {
      const dispatched = behind && (await dispatchChanges(this.#db, subscriptionId, new Date(), this.#settings.retryForMs, DISPATCH_BATCH)) > 0;
      busy = dispatched || busy;
      if (!due && !dispatched) continue;
      const inFlight = [...this.#taken.values()].reduce((sum, n) => sum + n, 0);
      const free = Math.min(this.#settings.concurrency - inFlight, share - (this.#taken.get(subscriptionId) ?? 0));
      if (this.#stopped || free <= 0) continue;
      const now = new Date();
      const claimed = await claimDeliveries(
        this.#db,
        subscriptionId,
        this.#owner,
        now,
        new Date(now.getTime() + this.#settings.timeoutMs + LEASE_MARGIN_MS),
        free,
      );
      for (const delivery of claimed) this.#attempt(delivery);
      busy = claimed.length > 0 || busy;
    }
    return busy;
  }

  async #record(): Promise<void> {
    const finished = this.#finished;
    this.#finished = [];
    try {
      const disabled = await recordOutcomes(this.#db, this.#owner, finished);
      for (const d of disabled)
        this.#log.warn({ webhook: d.subscription_id, delivery: d.id }, 'webhook turned off: a delivery failed for the whole retry time');
    } catch (error) {
      this.#log.error({ err: error }, 'webhook outcomes could not be recorded; those deliveries are retried when their leases end');
    } finally {
      for (const { delivery } of finished) this.#release(delivery.subscription_id);
    }
  }

  #attempt(delivery: ClaimedDelivery): void {
    this.#taken.set(delivery.subscription_id, (this.#taken.get(delivery.subscription_id) ?? 0) + 1);
    const sending = this.#send(delivery).finally(() => {
      this.#sending.delete(sending);
      // A round when half of what a subscription has in flight has come back: rounds of one
      // delivery each would make the database, not the receivers, set the pace.
      const back = this.#finished.filter((f) => f.delivery.subscription_id === delivery.subscription_id).length;
      if (back * 2 >= (this.#taken.get(delivery.subscription_id) ?? 0)) this.#nudge();
    });
    this.#sending.add(sending);
  }

  #release(subscriptionId: string): void {
    const left = (this.#taken.get(subscriptionId) ?? 1) - 1;
    if (left > 0) this.#taken.set(subscriptionId, left);
    else this.#taken.delete(subscriptionId);
  }

  async #send(delivery: ClaimedDelivery): Promise<void> {
    let result: Attempt;
    try {
      result = await this.#sender.send({ id: delivery.id, url: delivery.url, secret: this.#cipher.open(delivery.secret), body: delivery.payload });
    } catch (error) {
      result = { status: null, latencyMs: 0, error: error instanceof Error ? error.message : 'failed' };
    }
    // Cut short by a stop: the delivery is given back, not counted as an attempt.
    if (this.#stopped && result.error !== null) return this.#release(delivery.subscription_id);
    const at = new Date();
    const retry = result.error === null ? null : retryAt(delivery.attempts + 1, at.getTime(), Date.parse(delivery.give_up_at), this.#settings.backoffMs);
    const outcome = result.error === null ? { delivered: true as const } : retry === null ? { failed: true as const } : { retryAt: new Date(retry) };
    countWebhookAttempt('delivered' in outcome ? 'delivered' : 'failed' in outcome ? 'failed' : 'retry');
    this.#finished.push({ delivery, attempt: { ...result, at, outcome } });
  }
}
