import type { Db } from '../db/schema.ts';
import { settingsParser } from '../settings/rules.ts';
import { readSettingsText, writeSettingsText } from '../settings/store.ts';
import { storedGate, type StoredGate } from './schema.ts';

const fromText = settingsParser(storedGate.nullable(), null);

/** The domain's CRM gate as kept (its secret sealed), or null when none was configured. */
export async function readGate(db: Db, domainId: string): Promise<StoredGate | null> {
  return fromText(await readSettingsText(db, domainId, 'crm_gate'));
}

/** Not part of the domain's record: asked for on each write that makes users, one read by key. */
export async function writeGate(db: Db, domainId: string, gate: StoredGate | null): Promise<void> {
  await writeSettingsText(db, domainId, 'crm_gate', gate === null ? null : JSON.stringify(gate), false);
}
