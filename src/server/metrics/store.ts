import type { Db } from '../db/schema.ts';

/** Every domain's id: live state is kept per domain, and the presence gauges read all of it. */
export async function domainIds(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('domains').select('id').execute();
  return rows.map((row) => row.id);
}
