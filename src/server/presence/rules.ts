/**
 * The live state of a user and how it changes: plain functions of (state, event, now) that answer
 * the next state. Times are epoch milliseconds so that states travel as JSON (Redis) unchanged.
 */

export type By = 'self' | 'administrator' | 'system';
export type Status = 'available' | 'break' | 'dnd' | 'offline';
export type OfferOutcome = 'answered' | 'no-answer' | 'rejected' | 'busy';

export interface Contact {
  uri: string;
  userAgent: string | null;
  source: string;
  transport: 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';
  expiresAt: number;
  registeredAt: number;
  callId: string;
  cseq: number;
  /**
   * The process holding the WebSocket a contact is reached through (RFC 7118: only through it), so
   * it dies with that process; null when any process can reach it.
   */
  owner: string | null;
}

export interface LiveState {
  userId: string;
  domainId: string;
  /**
   * Open event connections (WebSocket sessions) of the user, counted per process that holds them:
   * when a process stops proving it is alive, its count is dropped and no other.
   */
  connections: Record<string, number>;
  onlineChangedAt: number;
  registrations: Contact[];
  cc: { loggedIn: boolean; since: number; by: By };
  status: { value: Status; reason: string | null; since: number; by: By; actor: string | null; maxDuration: number | null };
  /** When an agent still logged in to CC lost its last connection: it is logged out after the grace period. */
  disconnectedAt: number | null;
  agent: {
    phase: 'idle' | 'offered' | 'on-call' | 'wrap-up' | 'paused-after-offer';
    /** The phase ends then (wrap-up, delays); null while it lasts until an event. */
    until: number | null;
    callId: string | null;
    noAnswers: number;
    /** Since when the agent has been free: the longest idle is offered first. */
    idleSince: number;
  };
}

/** Timers of an agent, in seconds, as the agent profile answers them. */
export interface AgentTimers {
  wrapUpTime: number;
  maxNoAnswer: number;
  busyDelay: number;
  rejectDelay: number;
  noAnswerDelay: number;
}

export const MAX_NO_ANSWER_REASON = 'max-no-answer';

export function initialState(userId: string, domainId: string, now: number): LiveState {
  return {
    userId,
    domainId,
    connections: {},
    onlineChangedAt: now,
    registrations: [],
    cc: { loggedIn: false, since: now, by: 'system' },
    status: { value: 'offline', reason: null, since: now, by: 'system', actor: null, maxDuration: null },
    disconnectedAt: null,
    agent: { phase: 'idle', until: null, callId: null, noAnswers: 0, idleSince: now },
  };
}

/**
 * Whether two live states are the same JSON (as Redis keeps them and clients see them): no change,
 * no event. Compared field by field, stopping at the first difference, instead of serializing
 * both: the two strings cost more than the rest of a REGISTER's change and were garbage at once.
 */
export const sameState = (a: LiveState, b: LiveState): boolean => sameJson(a, b);

/** Equality of plain JSON values (objects, arrays, strings, numbers, booleans, null); a field set to undefined is one left out. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i += 1) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  const [x, y] = [a as Record<string, unknown>, b as Record<string, unknown>];
  for (const key in x) if (!sameJson(x[key], y[key])) return false;
  for (const key in y) if (!(key in x) && y[key] !== undefined) return false;
  return true;
}

/** Open event connections of the user, whichever process holds them. */
export const connectionCount = (state: LiveState) => Object.values(state.connections).reduce((sum, n) => sum + n, 0);

/** The user's connections held by `owner` are now `count`; losing the last one of an agent in CC starts the grace period. */
function withConnections(state: LiveState, owner: string, count: number, now: number): LiveState {
  const others = Object.fromEntries(Object.entries(state.connections).filter(([id]) => id !== owner));
  const next: LiveState = { ...state, connections: count > 0 ? { ...others, [owner]: count } : others, onlineChangedAt: now };
  if (connectionCount(next) > 0) return { ...next, disconnectedAt: null };
  return { ...next, disconnectedAt: connectionCount(state) > 0 && state.cc.loggedIn ? now : state.disconnectedAt };
}

export const connected = (state: LiveState, owner: string, now: number) => withConnections(state, owner, (state.connections[owner] ?? 0) + 1, now);

/** A connection held by `owner` closed. */
export const disconnected = (state: LiveState, owner: string, now: number) =>
  withConnections(state, owner, Math.max(0, (state.connections[owner] ?? 0) - 1), now);

/** The processes whose death changes this state: those holding its connections or its WebSocket contacts. */
export const ownersOf = (state: LiveState) => [
  ...new Set([...Object.keys(state.connections), ...state.registrations.flatMap((c) => (c.owner ? [c.owner] : []))]),
];

/** The process `owner` stopped proving it is alive: every connection it held is gone, as if each had closed, and so are the contacts reached through it. */
export function ownerLost(state: LiveState, owner: string, now: number): LiveState {
  if (!ownersOf(state).includes(owner)) return state;
  return { ...withConnections(state, owner, 0, now), registrations: state.registrations.filter((c) => c.owner !== owner) };
}

export function setStatus(
  state: LiveState,
  status: Exclude<Status, 'offline'>,
  reason: string | null,
  maxDuration: number | null,
  by: By,
  actor: string | null,
  now: number,
): LiveState {
  return {
    ...state,
    status: { value: status, reason, since: now, by, actor, maxDuration },
    agent: status === 'available' && state.status.value !== 'available' ? { ...state.agent, noAnswers: 0, idleSince: now } : state.agent,
  };
}

export function ccLogin(state: LiveState, by: By, now: number): LiveState {
  const status =
    state.status.value === 'offline' ? { value: 'available' as const, reason: null, since: now, by, actor: null, maxDuration: null } : state.status;
  return {
    ...state,
    cc: { loggedIn: true, since: now, by },
    status,
    disconnectedAt: connectionCount(state) === 0 ? now : null,
    agent: { ...state.agent, phase: 'idle', until: null, noAnswers: 0, idleSince: now },
  };
}

export function ccLogout(state: LiveState, by: By, now: number): LiveState {
  return {
    ...state,
    cc: { loggedIn: false, since: now, by },
    status: { value: 'offline', reason: null, since: now, by, actor: null, maxDuration: null },
    disconnectedAt: null,
  };
}

/** What may be done to a user's live state, by itself or by an administrator forcing it. */
export type StatusChoice = 'cc-login' | 'cc-logout' | 'available' | 'break' | 'dnd';

/**
 * The changes that make sense in a state: only an agent works in the contact center; out of it
 * there is no status to set (it is offline), only the login; in it, the statuses it is not in
 * (a break again, for another reason) and the logout.
 */
export function statusChoices(state: { agent: boolean; cc: { loggedIn: boolean }; status: { value: Status } }): StatusChoice[] {
  if (!state.agent) return [];
  if (!state.cc.loggedIn) return ['cc-login'];
  return [...(['available', 'break', 'dnd'] as const).filter((s) => s !== state.status.value || s === 'break'), 'cc-logout'];
}

/** The call was put through to the agent: it rings until an outcome is reported. */
export function offered(state: LiveState, callId: string): LiveState {
  return { ...state, agent: { ...state.agent, phase: 'offered', until: null, callId } };
}

/**
 * What an offer's outcome does: an answer puts the agent on the call; a miss, a rejection or a
 * busy phone pauses it for its delay, and `maxNoAnswer` misses in a row put it on break.
 */
export function offerOutcome(state: LiveState, outcome: OfferOutcome, callId: string, timers: AgentTimers, now: number): LiveState {
  if (outcome === 'answered') return { ...state, agent: { ...state.agent, phase: 'on-call', until: null, callId, noAnswers: 0 } };
  const delay = { 'no-answer': timers.noAnswerDelay, rejected: timers.rejectDelay, busy: timers.busyDelay }[outcome];
  const noAnswers = outcome === 'no-answer' ? state.agent.noAnswers + 1 : state.agent.noAnswers;
  const next: LiveState = { ...state, agent: { ...state.agent, phase: 'paused-after-offer', until: now + delay * 1000, callId: null, noAnswers } };
  if (outcome === 'no-answer' && timers.maxNoAnswer > 0 && noAnswers >= timers.maxNoAnswer) {
    return { ...setStatus(next, 'break', MAX_NO_ANSWER_REASON, null, 'system', null, now), agent: { ...next.agent, noAnswers } };
  }
  return next;
}

/** The agent's call ended: wrap-up, then free again. */
export function callEnded(state: LiveState, callId: string, timers: AgentTimers, now: number): LiveState {
  if (state.agent.callId !== null && state.agent.callId !== callId) return state;
  return { ...state, agent: { ...state.agent, phase: 'wrap-up', until: now + timers.wrapUpTime * 1000, callId: null } };
}

/**
 * Time passing: phases that ran out end, expired registrations go, and an agent disconnected for
 * longer than the grace period is logged out of CC by the system.
 */
export function elapse(state: LiveState, now: number, graceMs: number): LiveState {
  let next = state;
  if (next.agent.until !== null && next.agent.until <= now)
    next = { ...next, agent: { ...next.agent, phase: 'idle', until: null, idleSince: next.agent.until } };
  const live = next.registrations.filter((c) => c.expiresAt > now);
  if (live.length !== next.registrations.length) next = { ...next, registrations: live };
  if (next.cc.loggedIn && connectionCount(next) === 0 && next.disconnectedAt !== null && next.disconnectedAt + graceMs <= now)
    next = ccLogout(next, 'system', now);
  return next;
}

/** When `elapse` next has something to do for this state, if ever. */
export function nextDeadline(state: LiveState, graceMs: number): number | null {
  const times = [
    state.agent.until,
    ...state.registrations.map((c) => c.expiresAt),
    state.cc.loggedIn && connectionCount(state) === 0 && state.disconnectedAt !== null ? state.disconnectedAt + graceMs : null,
    state.status.maxDuration !== null ? state.status.since + state.status.maxDuration * 1000 : null,
  ].filter((t): t is number => t !== null);
  return times.length ? Math.min(...times) : null;
}

/** A pause past its maximum duration: flagged for supervisors, not ended. */
export const overdue = (state: LiveState, now: number) => state.status.maxDuration !== null && now - state.status.since > state.status.maxDuration * 1000;

/** Can take a call now: logged in to CC, available, reachable, and in no phase of a previous offer. */
export const ready = (state: LiveState, now: number) =>
  state.cc.loggedIn &&
  state.status.value === 'available' &&
  (connectionCount(state) > 0 || state.registrations.some((c) => c.expiresAt > now)) &&
  (state.agent.phase === 'idle' ||
    ((state.agent.phase === 'wrap-up' || state.agent.phase === 'paused-after-offer') && state.agent.until !== null && state.agent.until <= now));

/** Binds, refreshes or removes contacts of a REGISTER (RFC 3261 10.3): expires 0 removes. */
export function register(
  state: LiveState,
  contacts: { uri: string; expires: number }[],
  request: Omit<Contact, 'uri' | 'expiresAt' | 'registeredAt'>,
  now: number,
): LiveState {
  let registrations = state.registrations.filter((c) => c.expiresAt > now);
  for (const { uri, expires } of contacts) {
    registrations = registrations.filter((c) => c.uri !== uri);
    if (expires > 0) registrations.push({ ...request, uri, expiresAt: now + expires * 1000, registeredAt: now });
  }
  return { ...state, registrations };
}

/** A user with a live state, as the directory knows them: whether they are an enabled agent. */
export interface SummaryView {
  status: { value: Status; reason: string | null };
  online: boolean;
  cc: { loggedIn: boolean };
  registration: { registered: boolean };
}

/**
 * The dashboard's counts from the live states of the domain's users (deleted users left out by
 * the caller): agents in contact-center mode by status (the others offline), breaks by reason,
 * users online and registered.
 */
export function summarize(views: { view: SummaryView; agent: boolean }[], totals: { users: number; agents: number }) {
  const agents = { total: totals.agents, inCc: 0, available: 0, break: 0, dnd: 0, offline: 0 };
  const users = { total: totals.users, online: 0, registered: 0 };
  const reasons = new Map<string | null, number>();
  for (const { view, agent } of views) {
    if (view.online) users.online += 1;
    if (view.registration.registered) users.registered += 1;
    if (!agent) continue;
    // Out of contact-center mode an agent is offline, whatever status it last set (as the user list filters it).
    if (!view.cc.loggedIn) continue;
    agents.inCc += 1;
    if (view.status.value !== 'offline') agents[view.status.value] += 1;
    if (view.status.value === 'break') reasons.set(view.status.reason, (reasons.get(view.status.reason) ?? 0) + 1);
  }
  agents.offline = Math.max(0, agents.total - agents.available - agents.break - agents.dnd);
  const breaks = [...reasons]
    .map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => b.count - a.count || String(a.reason).localeCompare(String(b.reason)));
  return { agents, breaks, users };
}
