import type { Db } from '../db/schema.ts';
import { Problem } from '../http/problem.ts';
import { afterFailure, failureDelayMs, lockedFor } from './rules.ts';
import type { BruteForceSettings } from './schema.ts';
import { clearFailures, readFailures, writeFailures } from './store.ts';

export const accountKey = (userId: string) => `user:${userId}`;

/**
 * The keys one sign-in attempt is counted under: the account (by id when it exists, else by the
 * name typed, so unknown accounts lock the same way) and the source address.
 */
export function attemptKeys(attempt: { domain: string; login: string; userId?: string; address: string }) {
  return {
    account: attempt.userId ? accountKey(attempt.userId) : `login:${attempt.domain}:${attempt.login.toLowerCase()}`,
    address: `address:${attempt.address}`,
  };
}

const locked = (seconds: number) =>
  new Problem(429, 'auth.locked', `Too many failed sign-ins; try again in ${seconds} s`, undefined, { 'retry-after': String(seconds) });

/** Refuses the attempt before any password is looked at when its account or address is locked. */
export async function assertNotLocked(db: Db, keys: { account: string; address: string }, settings: BruteForceSettings, now = new Date()) {
  if (!settings.enabled) return;
  const wait = Math.max(lockedFor(await readFailures(db, keys.account), now), lockedFor(await readFailures(db, keys.address), now));
  if (wait > 0) throw locked(wait);
}

/** Counts a failure under both keys and holds the answer back a little longer each time. */
export async function recordFailure(db: Db, keys: { account: string; address: string }, settings: BruteForceSettings, now = new Date()) {
  if (!settings.enabled) return;
  const account = afterFailure(await readFailures(db, keys.account), settings.maxFailures, settings, now);
  const address = afterFailure(await readFailures(db, keys.address), settings.addressMaxFailures, settings, now);
  await writeFailures(db, keys.account, account);
  await writeFailures(db, keys.address, address);
  await new Promise((resolve) => setTimeout(resolve, failureDelayMs(account, settings)));
}

export const recordSuccess = (db: Db, keys: { account: string }) => clearFailures(db, keys.account);
