import { randomUUID } from 'node:crypto';
import type { Db } from '../db/schema.ts';
import { releaseLease, takeLease } from './store.ts';

/**
 * A lease on a once-per-cluster timer (housekeeping): each process asks for it every `renewMs`;
 * the one holding it renews it for twice that, so it moves to another process within about
 * `2 × renewMs` once its holder dies, and never while the holder lives and reaches the database.
 */
export class Lease {
  readonly holder = randomUUID();
  #heldUntil = 0;
  #timer: NodeJS.Timeout | undefined;
  #asking: Promise<boolean> | undefined;

  constructor(
    private readonly db: Db,
    private readonly name: string,
    private readonly renewMs: number,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  /** Whether this process holds the lease now; a renewal it could not make counts as lost. */
  get held(): boolean {
    return Date.now() < this.#heldUntil;
  }

  /** Asks for the lease now and every `renewMs` from now on; answers whether it was granted. */
  start(): Promise<boolean> {
    this.#timer ??= setInterval(() => void this.renew(), this.renewMs).unref();
    return this.renew();
  }

  /** Takes or renews the lease; answers whether this process holds it. */
  renew(): Promise<boolean> {
    this.#asking ??= this.#ask().finally(() => (this.#asking = undefined));
    return this.#asking;
  }

  async #ask(): Promise<boolean> {
    const asked = Date.now();
    try {
      // Held from the moment of asking: the database's clock may run ahead of this one.
      const granted = await takeLease(this.db, this.name, this.holder, new Date(asked), new Date(asked + 2 * this.renewMs));
      this.#heldUntil = granted ? asked + 2 * this.renewMs : 0;
    } catch (error) {
      this.onError(error);
    }
    return this.held;
  }

  /** Stops asking and gives the lease back if held. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#asking;
    if (this.#heldUntil === 0) return;
    this.#heldUntil = 0;
    await releaseLease(this.db, this.name, this.holder).catch(this.onError);
  }
}
