import { sql } from 'kysely';
import { takeSeats } from '../licenses/store.ts';
import { recordAudit, type AuditActor } from '../audit/store.ts';
import type { Db } from '../db/schema.ts';
import { oneOf } from '../db/set-wise.ts';
import { invalid } from '../http/problem.ts';
import { matchingUsers } from '../users/store.ts';
import { MAX_BULK, type BulkTarget } from './schema.ts';

export interface BulkUser {
  id: string;
  login: string;
}

/** The users a bulk operation acts on: live ones (or deleted ones, for a restore) of the domain. */
export async function targetUsers(db: Db, domainId: string, target: BulkTarget, deleted: boolean): Promise<BulkUser[]> {
  if ('filter' in target) {
    const users = await matchingUsers(db, domainId, { ...target.filter, deleted }, MAX_BULK);
    if (users.length > MAX_BULK)
      throw invalid([{ path: 'filter', code: 'bulk.too_many', message: `The filter matches more than ${MAX_BULK} users; narrow it` }]);
    return users;
  }
  // By id alone, the domain and the state checked here: a domain's condition in the statement lets
  // SQLite's planner walk the domain's every user instead of looking the ids up.
  const rows = await db
    .selectFrom('users')
    .select(['id', 'login', 'domain_id', 'deleted_at'])
    .where(oneOf(db, 'id', target.ids))
    .execute();
  const found: BulkUser[] = rows.filter((u) => u.domain_id === domainId && (u.deleted_at !== null) === deleted).map((u) => ({ id: u.id, login: u.login }));
  const known = new Set(found.map((u) => u.id));
  const missing = target.ids.flatMap((id, index) =>
    known.has(id) ? [] : [{ path: `ids/${index}`, code: 'user.not_found', message: `No ${deleted ? 'deleted' : 'live'} user ${id} in this domain` }],
  );
  if (missing.length) throw invalid(missing);
  return found;
}

/**
 * Soft-deletes (or restores) users set-wise in the caller's transaction: one statement a table
 * for all of them, and one audit entry per user, each carrying the bulk operation's id.
 */
export async function setUsersDeleted(db: Db, domainId: string, users: BulkUser[], deleted: boolean, actor: AuditActor, bulkId: string): Promise<void> {
  if (users.length === 0) return;
  const now = new Date().toISOString();
  const ids = users.map((u) => u.id);
  await db
    .updateTable('users')
    .set((eb) => ({ deleted_at: deleted ? now : null, version: eb('version', '+', 1), updated_at: now }))
    .where(oneOf(db, 'id', ids))
    .execute();
  if (deleted) {
    await db
      .deleteFrom('sessions')
      .where(oneOf(db, 'user_id', ids))
      .execute();
    await db
      .updateTable('desk_sign_ins')
      .set({ signed_out_at: now, signed_out_by: 'system' })
      .where(oneOf(db, 'user_id', ids))
      .where('signed_out_at', 'is', null)
      .execute();
  }
  await recordAudit(
    db,
    ...users.map((u) => ({
      domainId,
      actor,
      action: deleted ? 'user.deleted' : 'user.restored',
      target: { type: 'user', id: u.id, name: u.login },
      changes: { bulkOperation: { from: null, to: bulkId } },
    })),
  );
}

/** Which of these users hold a seat of the license. */
export async function licenseHolders(db: Db, licenseId: string, userIds: string[]): Promise<Set<string>> {
  return new Set(
    userIds.length
      ? (await db.selectFrom('license_assignments').select('user_id').where('license_id', '=', licenseId).where('user_id', 'in', userIds).execute()).map(
          (r) => r.user_id,
        )
      : [],
  );
}

/** Seats the users on the license when it has that many free: false (nothing written) when not. */
export async function grantSeats(trx: Db, licenseId: string, userIds: string[], now: string): Promise<boolean> {
  if (!(await takeSeats(trx, licenseId, userIds.length))) return false;
  await trx
    .insertInto('license_assignments')
    .values(userIds.map((id) => ({ license_id: licenseId, user_id: id, assigned_at: now })))
    .execute();
  return true;
}

/** Gives the users' seats of the license back. */
export async function releaseSeats(trx: Db, licenseId: string, userIds: string[]): Promise<void> {
  await trx.deleteFrom('license_assignments').where('license_id', '=', licenseId).where('user_id', 'in', userIds).execute();
  await trx
    .updateTable('licenses')
    .set({ used: sql`used - ${userIds.length}` })
    .where('id', '=', licenseId)
    .execute();
}

/** A new version for users whose seats changed. */
export async function touchUsers(trx: Db, ids: string[], now: string): Promise<void> {
  if (ids.length)
    await trx
      .updateTable('users')
      .set((eb) => ({ version: eb('version', '+', 1), updated_at: now }))
      .where('id', 'in', ids)
      .execute();
}
