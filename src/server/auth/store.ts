import { createHash } from 'node:crypto';
import type { Db } from '../db/schema.ts';

/** The account a sign-in names, by login or e-mail key, with what signing in checks. */
export function signInAccount(db: Db, domainId: string, key: string) {
  return db
    .selectFrom('users')
    .select(['id', 'login', 'password_hash', 'active', 'ip_allow_list', 'max_sessions', 'session_limit', 'session_max_age', 'directory_source_id'])
    .where('domain_id', '=', domainId)
    .where('deleted_at', 'is', null)
    .where((eb) => eb.or([eb('login_key', '=', key), eb('email_key', '=', key)]))
    .executeTakeFirst();
}

export type SignInAccount = NonNullable<Awaited<ReturnType<typeof signInAccount>>>;

/** Replaces a password hash made with weaker parameters, unless the password changed meanwhile. */
export async function rehashPassword(db: Db, userId: string, oldHash: string, newHash: string): Promise<void> {
  await db.updateTable('users').set({ password_hash: newHash }).where('id', '=', userId).where('password_hash', '=', oldHash).execute();
}

export async function passwordHashOf(db: Db, userId: string): Promise<string | null> {
  const row = await db.selectFrom('users').select('password_hash').where('id', '=', userId).executeTakeFirst();
  return row?.password_hash ?? null;
}

/** Only a hash of a reset token is stored. */
const resetTokenId = (token: string) => createHash('sha256').update(token).digest('base64url');

/** The user's one live reset token: earlier ones stop working. */
export async function replaceResetToken(db: Db, userId: string, token: string, createdAt: string, expiresAt: string): Promise<void> {
  await db.deleteFrom('password_reset_tokens').where('user_id', '=', userId).execute();
  await db
    .insertInto('password_reset_tokens')
    .values({ id: resetTokenId(token), user_id: userId, created_at: createdAt, expires_at: expiresAt })
    .execute();
}

/** Whose a live reset token is, if it is one. */
export async function resetTokenOwner(db: Db, token: string): Promise<string | undefined> {
  const row = await db.selectFrom('password_reset_tokens').select(['user_id', 'expires_at']).where('id', '=', resetTokenId(token)).executeTakeFirst();
  return row && Date.parse(row.expires_at) > Date.now() ? row.user_id : undefined;
}

/** Spends a token; answers false when another request spent it first. */
export async function spendResetToken(db: Db, token: string): Promise<boolean> {
  const deleted = await db.deleteFrom('password_reset_tokens').where('id', '=', resetTokenId(token)).executeTakeFirst();
  return Number(deleted.numDeletedRows) === 1;
}
