import type { Database, Db } from '../db/schema.ts';

export type NumberRow = Database['numbers'];

export const toNumberView = (row: NumberRow) => ({
  value: row.value,
  kind: row.kind === 'sender' ? ('sender' as const) : ('number' as const),
  voice: row.voice === 1,
  sms: row.sms === 1,
  description: row.description,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** The number (or sender ID) of this exact value. */
export function findNumber(db: Db, domainId: string, value: string): Promise<NumberRow | undefined> {
  return db.selectFrom('numbers').selectAll().where('domain_id', '=', domainId).where('value', '=', value).executeTakeFirst();
}

/** A page of the inventory in value order, after the cursor's value; narrowed to one capability if asked. */
export function listNumbers(db: Db, domainId: string, query: { capability?: 'voice' | 'sms'; after?: string; limit: number }): Promise<NumberRow[]> {
  let select = db
    .selectFrom('numbers')
    .selectAll()
    .where('domain_id', '=', domainId)
    .orderBy('value')
    .limit(query.limit + 1);
  if (query.capability) select = select.where(query.capability, '=', 1);
  if (query.after !== undefined) select = select.where('value', '>', query.after);
  return select.execute();
}

export async function insertNumber(db: Db, row: NumberRow): Promise<void> {
  await db.insertInto('numbers').values(row).execute();
}

export async function updateNumber(db: Db, row: NumberRow): Promise<void> {
  await db
    .updateTable('numbers')
    .set({ voice: row.voice, sms: row.sms, description: row.description, updated_at: row.updated_at })
    .where('id', '=', row.id)
    .execute();
}

export async function deleteNumber(db: Db, id: string): Promise<void> {
  await db.deleteFrom('numbers').where('id', '=', id).execute();
}
