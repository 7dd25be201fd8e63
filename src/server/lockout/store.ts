import type { Db } from '../db/schema.ts';
import { settingsParser } from '../settings/rules.ts';
import { readSettingsText } from '../settings/store.ts';
import type { FailureRecord } from './rules.ts';
import { bruteForceSettings, defaultBruteForceSettings, type BruteForceSettings } from './schema.ts';

const parseBruteForce = settingsParser(bruteForceSettings, defaultBruteForceSettings);

export const readBruteForceSettings = async (db: Db, domainId: string): Promise<BruteForceSettings> =>
  parseBruteForce(await readSettingsText(db, domainId, 'brute_force'));

export async function readFailures(db: Db, key: string): Promise<FailureRecord | undefined> {
  const row = await db
    .selectFrom('login_failures')
    .select(['failures', 'lockouts', 'last_failure_at', 'locked_until'])
    .where('key', '=', key)
    .executeTakeFirst();
  return row && { failures: row.failures, lockouts: row.lockouts, lastFailureAt: row.last_failure_at, lockedUntil: row.locked_until };
}

export async function writeFailures(db: Db, key: string, record: FailureRecord): Promise<void> {
  const values = { failures: record.failures, lockouts: record.lockouts, last_failure_at: record.lastFailureAt, locked_until: record.lockedUntil };
  await db
    .insertInto('login_failures')
    .values({ key, ...values })
    .onConflict((conflict) => conflict.column('key').doUpdateSet(values))
    .execute();
}

export async function clearFailures(db: Db, key: string): Promise<boolean> {
  const result = await db.deleteFrom('login_failures').where('key', '=', key).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Forgets failures nobody will look at again; the housekeeping timer calls it. */
export async function pruneFailures(db: Db, olderThan: Date): Promise<void> {
  await db
    .deleteFrom('login_failures')
    .where('last_failure_at', '<', olderThan.toISOString())
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', olderThan.toISOString())]))
    .execute();
}
