import { sql } from 'kysely';
import type { Db } from '../db/schema.ts';
import type { FieldProblem } from '../http/problem.ts';
import { externalIdText } from './rules.ts';
import type { ExternalId } from './schema.ts';

/** Replaces a user's ids with `list`, in the caller's transaction. */
export async function replaceExternalIds(db: Db, domainId: string, userId: string, list: readonly ExternalId[]): Promise<void> {
  await db.deleteFrom('user_external_ids').where('user_id', '=', userId).execute();
  if (list.length)
    await db
      .insertInto('user_external_ids')
      .values(externalIdRows(domainId, userId, list))
      .execute();
}

export const externalIdRows = (domainId: string, userId: string, list: readonly ExternalId[]) =>
  list.map((e) => ({ user_id: userId, domain_id: domainId, system: e.system, external_id: e.id }));

/** Which of these ids users of the domain other than `exceptId` hold, deleted users included: one query. */
export async function externalIdsHeld(db: Db, domainId: string, list: readonly ExternalId[], exceptId: string | null): Promise<ExternalId[]> {
  if (list.length === 0) return [];
  let query = db
    .selectFrom('user_external_ids')
    .select(['system', 'external_id'])
    .where('domain_id', '=', domainId)
    .where((eb) => eb.or(list.map((e) => eb.and([eb('system', '=', e.system), eb('external_id', '=', e.id)]))));
  if (exceptId) query = query.where('user_id', '!=', exceptId);
  return (await query.execute()).map((r) => ({ system: r.system, id: r.external_id }));
}

/** The 409's problems: each id of `list` that is held elsewhere, at its place in the list. */
export function heldProblems(list: readonly ExternalId[], held: readonly ExternalId[], path = 'externalIds'): FieldProblem[] {
  const taken = new Set(held.map(externalIdText));
  return list.flatMap((entry, index) =>
    taken.has(externalIdText(entry))
      ? [{ path: `${path}/${index}`, code: 'user.external_id_taken', message: `${externalIdText(entry)} is already the id of another user of this domain` }]
      : [],
  );
}

/** A condition on `u.id` for the list filter: users holding this id, found through the unique index. */
export const holdingExternalId = (db: Db, domainId: string, entry: ExternalId) =>
  db.selectFrom('user_external_ids').select('user_id').where('domain_id', '=', domainId).where('system', '=', entry.system).where('external_id', '=', entry.id);

/** `system:id`, as the users' links query carries them beside roles and groups. */
export const externalIdLinks = (db: Db, ids: string[]) =>
  db
    .selectFrom('user_external_ids')
    .select(['user_id', sql<string>`'external'`.as('kind'), sql<string>`system || ':' || external_id`.as('name'), sql<number>`0`.as('rank')])
    .where('user_id', 'in', ids);

/** Which of these ids of one system users of the domain hold (not `exceptIds`): a query per 500. */
export async function heldOfSystem(db: Db, domainId: string, system: string, ids: string[], exceptIds: string[] = []): Promise<Set<string>> {
  const held = new Set<string>();
  for (let i = 0; i < ids.length; i += 500) {
    let query = db
      .selectFrom('user_external_ids')
      .select('external_id')
      .where('domain_id', '=', domainId)
      .where('system', '=', system)
      .where('external_id', 'in', ids.slice(i, i + 500));
    if (exceptIds.length) query = query.where('user_id', 'not in', exceptIds);
    for (const row of await query.execute()) held.add(row.external_id);
  }
  return held;
}
