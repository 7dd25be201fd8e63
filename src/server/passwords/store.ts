import type { Db } from '../db/schema.ts';
import { settingsParser } from '../settings/rules.ts';
import { readSettingsText } from '../settings/store.ts';
import { defaultPasswordPolicy, passwordPolicy, type PasswordPolicy } from './schema.ts';

/** How many past passwords are kept per user: the most any policy may ask to refuse. */
const HISTORY_KEPT = 24;

const parsePolicy = settingsParser(passwordPolicy, defaultPasswordPolicy);

export const readPolicy = async (db: Db, domainId: string): Promise<PasswordPolicy> => parsePolicy(await readSettingsText(db, domainId, 'password_policy'));

export async function recentPasswordHashes(db: Db, userId: string, count: number): Promise<string[]> {
  if (count === 0) return [];
  const rows = await db
    .selectFrom('password_history')
    .select('password_hash')
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .limit(count)
    .execute();
  return rows.map((r) => r.password_hash);
}

/** Keeps a new password's hash in the user's history, dropping what no policy can ask for. */
export async function rememberPassword(db: Db, userId: string, passwordHash: string): Promise<void> {
  await db.insertInto('password_history').values({ user_id: userId, password_hash: passwordHash, created_at: new Date().toISOString() }).execute();
  const kept = await db
    .selectFrom('password_history')
    .select('created_at')
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .offset(HISTORY_KEPT - 1)
    .limit(1)
    .executeTakeFirst();
  if (kept) await db.deleteFrom('password_history').where('user_id', '=', userId).where('created_at', '<', kept.created_at).execute();
}
