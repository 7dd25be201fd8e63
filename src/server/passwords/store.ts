import type { Db } from '../db/schema.ts';
import { defaultPasswordPolicy, passwordPolicy, type PasswordPolicy } from './schema.ts';

/** How many past passwords are kept per user: the most any policy may ask to refuse. */
const HISTORY_KEPT = 24;

export async function readPolicy(db: Db, domainId: string): Promise<PasswordPolicy> {
  const row = await db.selectFrom('domains').select('password_policy').where('id', '=', domainId).executeTakeFirst();
  return row?.password_policy ? passwordPolicy.parse(JSON.parse(row.password_policy)) : defaultPasswordPolicy;
}

export async function writePolicy(db: Db, domainId: string, policy: PasswordPolicy): Promise<void> {
  await db.updateTable('domains').set({ password_policy: JSON.stringify(policy) }).where('id', '=', domainId).execute();
}

export async function recentPasswordHashes(db: Db, userId: string, count: number): Promise<string[]> {
  if (count === 0) return [];
  const rows = await db.selectFrom('password_history').select('password_hash').where('user_id', '=', userId).orderBy('created_at', 'desc').limit(count).execute();
  return rows.map((r) => r.password_hash);
}

/** Keeps a new password's hash in the user's history, dropping what no policy can ask for. */
export async function rememberPassword(db: Db, userId: string, passwordHash: string): Promise<void> {
  await db.insertInto('password_history').values({ user_id: userId, password_hash: passwordHash, created_at: new Date().toISOString() }).execute();
  const kept = await db.selectFrom('password_history').select('created_at').where('user_id', '=', userId).orderBy('created_at', 'desc').offset(HISTORY_KEPT - 1).limit(1).executeTakeFirst();
  if (kept) await db.deleteFrom('password_history').where('user_id', '=', userId).where('created_at', '<', kept.created_at).execute();
}
