import type { Db } from '../db/schema.ts';

/** The domain's settings, each a JSON document in a column of its row (null: the defaults). */
export type SettingsColumn = 'agent_defaults' | 'sip_settings' | 'password_policy' | 'brute_force' | 'crm_gate';

export async function readSettingsText(db: Db, domainId: string, column: SettingsColumn): Promise<string | null> {
  const row = await db.selectFrom('domains').select(column).where('id', '=', domainId).executeTakeFirst();
  return (row?.[column] as string | null | undefined) ?? null;
}

/** `touch`: the settings are part of the domain's record (its `updatedAt` moves with them). */
export async function writeSettingsText(db: Db, domainId: string, column: SettingsColumn, text: string | null, touch: boolean): Promise<void> {
  await db
    .updateTable('domains')
    .set({ [column]: text, ...(touch ? { updated_at: new Date().toISOString() } : {}) })
    .where('id', '=', domainId)
    .execute();
}
