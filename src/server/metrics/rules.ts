import { createHash, timingSafeEqual } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import type { LiveState, Status } from '../presence/rules.ts';

/** Why a scrape is refused, if it is. */
export type MetricsRefusal = 'token-required' | 'loopback-only' | null;

/**
 * With a token configured, a scrape must bring it as a Bearer token, from wherever it comes.
 * Without one, only this machine may scrape: the address is the client's as the server believes
 * it (`request.ip`), so a trusted proxy's X-Forwarded-For names the real client.
 */
export function metricsRefusal(token: string | undefined, authorization: string | undefined, ip: string): MetricsRefusal {
  if (token !== undefined) return authorization?.startsWith('Bearer ') && sameSecret(authorization.slice(7), token) ? null : 'token-required';
  return isLoopback(ip) ? null : 'loopback-only';
}

/** Compared by digest, so the time taken says nothing of how much of the token was right. */
const sameSecret = (given: string, expected: string) => timingSafeEqual(digest(given), digest(expected));
const digest = (value: string) => createHash('sha256').update(value).digest();

function isLoopback(ip: string): boolean {
  try {
    return ipaddr.process(ip).range() === 'loopback';
  } catch {
    return false;
  }
}

export const STATUSES: readonly Status[] = ['available', 'break', 'dnd', 'offline'];

export interface PresenceCounts {
  /** Users with an open event stream, by status. */
  online: Map<Status, number>;
  /** Agents logged in to contact-center mode, by status. */
  inCc: Map<Status, number>;
}

/** Users online and agents in CC, by status (every status named, so one that empties reads 0). */
export function countPresence(states: Iterable<Pick<LiveState, 'connections' | 'cc' | 'status'>>): PresenceCounts {
  const counts: PresenceCounts = { online: new Map(STATUSES.map((s) => [s, 0])), inCc: new Map(STATUSES.map((s) => [s, 0])) };
  for (const state of states) {
    const status = state.status.value;
    if (Object.values(state.connections).some((n) => n > 0)) counts.online.set(status, (counts.online.get(status) ?? 0) + 1);
    if (state.cc.loggedIn) counts.inCc.set(status, (counts.inCc.get(status) ?? 0) + 1);
  }
  return counts;
}
