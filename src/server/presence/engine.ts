import { timeOrderedId } from '../identifiers/time-ordered-id.ts';
import type { Database, Db } from '../db/schema.ts';
import type { LiveStore } from './live.ts';
import {
  callEnded,
  ccLogin,
  ccLogout,
  connected,
  connectionCount,
  disconnected,
  elapse,
  initialState,
  nextDeadline,
  offered,
  offerOutcome,
  overdue,
  ownerLost,
  ready,
  register,
  sameState,
  setStatus,
  type AgentTimers,
  type By,
  type Contact,
  type LiveState,
  type OfferOutcome,
  type Status,
} from './rules.ts';
import type { PresenceView } from './schema.ts';

const iso = (ms: number) => new Date(ms).toISOString();

export function toPresenceView(state: LiveState, now: number): PresenceView {
  const contacts = state.registrations.filter((c) => c.expiresAt > now);
  return {
    userId: state.userId,
    online: connectionCount(state) > 0,
    connections: connectionCount(state),
    cc: { loggedIn: state.cc.loggedIn, since: iso(state.cc.since), by: state.cc.by },
    status: { ...state.status, since: iso(state.status.since), overdue: overdue(state, now) },
    registration: {
      registered: contacts.length > 0,
      contacts: contacts.map((c) => ({
        uri: c.uri,
        userAgent: c.userAgent,
        source: c.source,
        transport: c.transport,
        expiresAt: iso(c.expiresAt),
        registeredAt: iso(c.registeredAt),
      })),
    },
    agent: {
      phase: state.agent.phase,
      until: state.agent.until === null ? null : iso(state.agent.until),
      ready: ready(state, now),
      noAnswers: state.agent.noAnswers,
      idleSince: iso(state.agent.idleSince),
    },
  };
}

export interface PresenceOptions {
  db: Db;
  store: LiveStore;
  /** How long an agent in CC stays after its last connection dropped. */
  graceMs: number;
  /**
   * How often this process proves it is alive, and how long a proof lasts: a process silent for
   * longer is dead, and the first survivor to notice drops its connections.
   */
  liveness: { heartbeatMs: number; ttlMs: number };
  clock?: () => number;
  /** Where failures of background work (the sweep, batched history) are reported. */
  onError?: (error: unknown) => void;
  /**
   * What else history rows bring with them (webhooks' presence.changed deliveries): null when
   * nothing, or a write done in the transaction that writes the rows, so both land or neither.
   */
  alongHistory?: (rows: StatusHistoryRow[]) => Promise<((trx: Db) => Promise<void>) | null>;
}

export type StatusHistoryRow = Database['status_history'];

/**
 * Applies presence changes through the live store, keeps each user's next deadline, writes the
 * history of status, CC, registration and online changes, and publishes an event per change.
 */
export class PresenceEngine {
  readonly store: LiveStore;
  readonly now: () => number;
  #timers: NodeJS.Timeout[] = [];
  #reaping: Promise<void> | undefined;
  readonly #foundDead = new Set<(processId: string) => void>();
  /** History rows waiting to be written together: registrations come in bursts of thousands. */
  #pending: Database['status_history'][] = [];
  #flushing: Promise<void> | undefined;
  /** The last write of history rows, settled (its failure is reported to whoever asked for it). */
  #written: Promise<void> = Promise.resolve();

  constructor(private readonly options: PresenceOptions) {
    this.store = options.store;
    this.now = options.clock ?? Date.now;
  }

  async change(domainId: string, userId: string, change: (state: LiveState, now: number) => LiveState, actor: string | null = null): Promise<LiveState> {
    const now = this.now();
    const { before, after } = await this.store.update(domainId, userId, (state) =>
      change(elapse(state ?? initialState(userId, domainId, now), now, this.options.graceMs), now),
    );
    await this.store.setDeadline(domainId, userId, nextDeadline(after, this.options.graceMs));
    const previous = before ?? initialState(userId, domainId, now);
    await this.#record(previous, after, actor, now);
    if (!sameState(previous, after)) await this.store.publish(domainId, { type: 'presence', userId, data: toPresenceView(after, now) });
    return after;
  }

  async #record(before: LiveState, after: LiveState, actor: string | null, now: number) {
    const rows: { dimension: string; value: string; reason: string | null; by: By }[] = [];
    if (before.status.value !== after.status.value || before.status.reason !== after.status.reason)
      rows.push({ dimension: 'status', value: after.status.value, reason: after.status.reason, by: after.status.by });
    if (before.cc.loggedIn !== after.cc.loggedIn) rows.push({ dimension: 'cc', value: after.cc.loggedIn ? 'login' : 'logout', reason: null, by: after.cc.by });
    const registered = (s: LiveState) => s.registrations.some((c) => c.expiresAt > now);
    if (registered(before) !== registered(after))
      rows.push({ dimension: 'registration', value: registered(after) ? 'registered' : 'unregistered', reason: null, by: 'system' });
    const online = (s: LiveState) => connectionCount(s) > 0;
    if (online(before) !== online(after)) rows.push({ dimension: 'online', value: online(after) ? 'online' : 'offline', reason: null, by: 'system' });
    if (rows.length === 0) return;
    const at = iso(now);
    this.#pending.push(
      ...rows.map((r) => ({ id: timeOrderedId(), domain_id: after.domainId, user_id: after.userId, ...r, actor: r.by === 'administrator' ? actor : null, at })),
    );
    // A status or CC change someone asked for is on record before the answer; device and
    // connection changes are written in batches a few milliseconds later, and a full batch at
    // once, but never waited for: a REGISTER's answer does not wait for 500 rows to be written.
    if (rows.some((r) => r.dimension === 'status' || r.dimension === 'cc')) await this.flushHistory();
    else if (this.#pending.length >= 500) void this.flushHistory().catch((error: unknown) => this.options.onError?.(error));
    else if (!this.#flushing)
      this.#flushing = new Promise((resolve) => setTimeout(resolve, 20))
        .then(() => this.flushHistory())
        .catch((error: unknown) => this.options.onError?.(error));
  }

  /**
   * Writes the history rows still waiting; readers of the history call it first. Writes go one
   * after another, so it answers once every row handed to it before is written, those of a write
   * already under way too.
   */
  flushHistory(): Promise<void> {
    this.#flushing = undefined;
    const written = this.#written.then(() => this.#writePending());
    this.#written = written.catch(() => undefined);
    return written;
  }

  async #writePending(): Promise<void> {
    while (this.#pending.length) {
      const rows = this.#pending.splice(0, 500);
      const along = (await this.options.alongHistory?.(rows)) ?? null;
      if (!along) await this.options.db.insertInto('status_history').values(rows).execute();
      else
        await this.options.db.transaction().execute(async (trx) => {
          await trx.insertInto('status_history').values(rows).execute();
          await along(trx);
        });
    }
  }

  /** Counts a connection of the user, held by this process; answers the process id to disconnect it with. */
  async connect(domainId: string, userId: string): Promise<string> {
    const owner = this.store.processId;
    await this.change(domainId, userId, (s, now) => connected(s, owner, now));
    return owner;
  }

  disconnect = (domainId: string, userId: string, owner: string) => this.change(domainId, userId, (s, now) => disconnected(s, owner, now));

  setStatus(
    domainId: string,
    userId: string,
    status: Exclude<Status, 'offline'>,
    reason: string | null,
    maxDuration: number | null,
    by: By,
    actor: string | null,
  ) {
    return this.change(domainId, userId, (s, now) => setStatus(s, status, reason, maxDuration, by, by === 'administrator' ? actor : null, now), actor);
  }

  ccLogin = (domainId: string, userId: string, by: By, actor: string | null) => this.change(domainId, userId, (s, now) => ccLogin(s, by, now), actor);
  ccLogout = (domainId: string, userId: string, by: By, actor: string | null) => this.change(domainId, userId, (s, now) => ccLogout(s, by, now), actor);

  report(domainId: string, userId: string, callId: string, outcome: OfferOutcome | 'offered', timers: AgentTimers) {
    return this.change(domainId, userId, (s, now) => (outcome === 'offered' ? offered(s, callId) : offerOutcome(s, outcome, callId, timers, now)));
  }

  callEnded = (domainId: string, userId: string, callId: string, timers: AgentTimers) =>
    this.change(domainId, userId, (s, now) => callEnded(s, callId, timers, now));

  register(
    domainId: string,
    userId: string,
    contacts: { uri: string; expires: number }[],
    request: Omit<Contact, 'uri' | 'expiresAt' | 'registeredAt' | 'owner'>,
  ) {
    return this.change(domainId, userId, (s, now) => register(s, contacts, { ...request, owner: this.contactOwner(request.transport) }, now));
  }

  /** A contact reached through a WebSocket belongs to this process, which holds the socket; others to nobody. */
  contactOwner(transport: Contact['transport']): string | null {
    return transport === 'ws' || transport === 'wss' ? this.store.processId : null;
  }

  /** Applies what time did: ended phases, expired contacts, grace periods run out. */
  async sweep(): Promise<void> {
    for (const { domainId, userId } of await this.store.due(this.now())) await this.change(domainId, userId, (s) => s);
  }

  async view(domainId: string, userId: string): Promise<PresenceView> {
    const now = this.now();
    const state = await this.store.get(domainId, userId);
    return toPresenceView(elapse(state ?? initialState(userId, domainId, now), now, this.options.graceMs), now);
  }

  /** The live state of these users, in order (offline everywhere for users never seen). */
  async viewsOf(domainId: string, userIds: string[]): Promise<PresenceView[]> {
    const now = this.now();
    const states = await this.store.getMany(domainId, userIds);
    return userIds.map((id, i) => toPresenceView(elapse(states[i] ?? initialState(id, domainId, now), now, this.options.graceMs), now));
  }

  async views(domainId: string): Promise<Map<string, PresenceView>> {
    const now = this.now();
    return new Map((await this.store.list(domainId)).map((s) => [s.userId, toPresenceView(elapse(s, now, this.options.graceMs), now)]));
  }

  /**
   * Proves this process alive. When the proof had lapsed (a pause, Redis unreachable or
   * restarted), other processes may have dropped its connections already: it carries on under a
   * new id, and the connections it held are told to go (`onFoundDead`) so their clients reconnect
   * and are counted again.
   */
  async heartbeat(): Promise<void> {
    const before = this.store.processId;
    if (await this.store.heartbeat(this.options.liveness.ttlMs)) return;
    for (const listener of this.#foundDead) listener(before);
  }

  /** Drops the connections of processes that stopped proving they are alive, as if each had closed. */
  async dropDeadProcesses(): Promise<void> {
    for (const { processId, users } of await this.store.orphans(this.options.liveness.ttlMs)) {
      for (const { domainId, userId } of users) await this.change(domainId, userId, (s, now) => ownerLost(s, processId, now));
      await this.store.forget(processId);
    }
  }

  /** Called with the old id when this process finds it had been taken for dead; answers how to stop listening. */
  onFoundDead(listener: (processId: string) => void): () => void {
    this.#foundDead.add(listener);
    return () => void this.#foundDead.delete(listener);
  }

  start(sweepMs = 1000): void {
    const report = (error: unknown) => this.options.onError?.(error);
    const sweep = setInterval(() => void this.sweep().catch(report), sweepMs);
    // Proving life never waits behind dropping a dead process's many users.
    const liveness = setInterval(() => {
      void this.heartbeat().catch(report);
      this.#reaping ??= this.dropDeadProcesses()
        .catch(report)
        .finally(() => (this.#reaping = undefined));
    }, this.options.liveness.heartbeatMs);
    this.#timers = [sweep, liveness];
    for (const timer of this.#timers) timer.unref();
  }

  async stop(): Promise<void> {
    for (const timer of this.#timers) clearInterval(timer);
    await this.#reaping;
    await this.flushHistory();
    await this.store.close();
  }
}
