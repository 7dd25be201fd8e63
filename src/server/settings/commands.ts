import type { z } from 'zod';
import { diff } from '../audit/rules.ts';
import { recordAudit, type AuditActor } from '../audit/store.ts';
import type { Db } from '../db/schema.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import { settingsParser } from './rules.ts';
import { readSettingsText, writeSettingsText, type SettingsColumn } from './store.ts';

/**
 * One of the domain's settings documents (agent defaults, SIP settings, password policy,
 * brute-force protection): read with its defaults, validated by its schema, replaced whole in
 * one transaction with an audit entry `<action>.updated` naming what changed.
 */
export interface DomainSettings<T> {
  column: SettingsColumn;
  schema: z.ZodType<T>;
  defaults: T;
  action: string;
  /** Kept on the domain's record (read with every user view), so the domain's `updatedAt` moves with it. */
  onRecord: boolean;
}

export function settingsOf<T>(settings: DomainSettings<T>) {
  const fromText = settingsParser(settings.schema, settings.defaults);
  const read = async (db: Db, domainId: string): Promise<T> => fromText(await readSettingsText(db, domainId, settings.column));
  const replace = async (db: Db, actor: AuditActor, domain: DomainRecord, value: T): Promise<T> => {
    await db.transaction().execute(async (trx) => {
      const before = await read(trx, domain.id);
      await writeSettingsText(trx, domain.id, settings.column, JSON.stringify(value), settings.onRecord);
      await recordAudit(trx, {
        domainId: domain.id,
        actor,
        action: `${settings.action}.updated`,
        target: { type: 'domain', id: domain.name, name: domain.name },
        changes: diff(before as object, value as object),
      });
    });
    return value;
  };
  return { read, replace };
}
