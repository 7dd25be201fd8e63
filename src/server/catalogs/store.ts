import type { CatalogTable, Db } from '../db/schema.ts';
import { decodeCursor } from '../http/paging.ts';
import { nameKey } from '../identifiers/normal-form.ts';

/** The catalogs whose entries a domain names. */
export type NamedTable = 'roles' | 'groups' | 'tags' | 'skills' | 'pause_reasons' | 'licenses';

/** What every named entry has. */
export interface NamedRow {
  id: string;
  name: string;
  name_key: string;
}

/** The entry of a catalog with this name, compared without regard to case. */
export function namedRow(db: Db, table: NamedTable, domainId: string, name: string) {
  return db.selectFrom(table).selectAll().where('domain_id', '=', domainId).where('name_key', '=', nameKey(name)).executeTakeFirst();
}

/** A page of a catalog in name order, after the cursor's name key. */
export function namedPage(db: Db, table: NamedTable, domainId: string, cursor: string | undefined, limit: number) {
  let query = db
    .selectFrom(table)
    .selectAll()
    .where('domain_id', '=', domainId)
    .orderBy('name_key')
    .limit(limit + 1);
  if (cursor) query = query.where('name_key', '>', String(decodeCursor(cursor)[0]));
  return query.execute();
}

/** Whether any user carries the tag, or any agent the skill. */
export async function entryCarried(db: Db, kind: 'tags' | 'skills', domainId: string, entry: CatalogTable): Promise<boolean> {
  const carrier =
    kind === 'tags'
      ? await db.selectFrom('user_tags').select('user_id').where('domain_id', '=', domainId).where('tag', '=', entry.name).limit(1).executeTakeFirst()
      : await db.selectFrom('agent_skills').select('user_id').where('skill_id', '=', entry.id).limit(1).executeTakeFirst();
  return carrier !== undefined;
}
