import type { BruteForceSettings } from './schema.ts';

export interface FailureRecord {
  failures: number;
  lockouts: number;
  lastFailureAt: string;
  lockedUntil: string | null;
}

const MAX_DELAY_MS = 3000;

/** Seconds until the lock ends, or 0 when the key is not locked at `now`. */
export function lockedFor(record: FailureRecord | undefined, now: Date): number {
  if (!record?.lockedUntil) return 0;
  return Math.max(0, Math.ceil((Date.parse(record.lockedUntil) - now.getTime()) / 1000));
}

/**
 * The record after one more failure. Failures older than the window are forgotten; reaching
 * the limit locks the key, each lockout twice as long as the last, up to the maximum.
 */
export function afterFailure(record: FailureRecord | undefined, limit: number, settings: BruteForceSettings, now: Date): FailureRecord {
  const fresh = record && now.getTime() - Date.parse(record.lastFailureAt) < settings.failureWindowSeconds * 1000;
  const failures = (fresh ? record.failures : 0) + 1;
  const lockouts = fresh ? record.lockouts : 0;
  if (failures < limit) return { failures, lockouts, lastFailureAt: now.toISOString(), lockedUntil: null };
  const seconds = Math.min(settings.lockoutSeconds * 2 ** lockouts, settings.maxLockoutSeconds);
  return { failures: 0, lockouts: lockouts + 1, lastFailureAt: now.toISOString(), lockedUntil: new Date(now.getTime() + seconds * 1000).toISOString() };
}

/** How long to hold back the answer to a failed sign-in: longer with every consecutive failure. */
export const failureDelayMs = (record: FailureRecord, settings: BruteForceSettings) => Math.min(record.failures * settings.delayStepMs, MAX_DELAY_MS);
