import { randomUUID } from 'node:crypto';
import type { AuditActor } from '../audit/store.ts';
import { catalogOf } from '../catalogs/commands.ts';
import type { Db } from '../db/schema.ts';
import { nameKey } from '../identifiers/normal-form.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import { reservedName } from './rules.ts';
import type { PauseReasonInput } from './schema.ts';
import { toPauseReasonView, type PauseReasonRow } from './store.ts';

const pauseReasons = catalogOf({ table: 'pause_reasons', code: 'pause_reason', noun: 'pause reason', toView: toPauseReasonView });

export async function createPauseReason(db: Db, actor: AuditActor, domain: DomainRecord, input: PauseReasonInput): Promise<PauseReasonRow> {
  const refused = reservedName(input.name);
  if (refused) throw refused;
  await pauseReasons.assertFree(db, domain.id, input.name);
  const now = new Date().toISOString();
  const row: PauseReasonRow = {
    id: randomUUID(),
    domain_id: domain.id,
    name: input.name,
    name_key: nameKey(input.name),
    description: input.description ?? null,
    max_duration: input.maxDuration ?? null,
    created_at: now,
    updated_at: now,
  };
  await pauseReasons.write(db, actor, domain, row.name, async (trx) => {
    await trx.insertInto('pause_reasons').values(row).execute();
    return { before: null, after: row };
  });
  return row;
}

export async function changePauseReason(
  db: Db,
  actor: AuditActor,
  domain: DomainRecord,
  name: string,
  change: Partial<PauseReasonInput>,
): Promise<PauseReasonRow> {
  const row = await pauseReasons.mustFind(db, domain.id, name);
  const refused = change.name ? reservedName(change.name) : null;
  if (refused) throw refused;
  const next: PauseReasonRow = {
    ...row,
    name: change.name ?? row.name,
    name_key: nameKey(change.name ?? row.name),
    description: change.description === undefined ? row.description : change.description,
    max_duration: change.maxDuration === undefined ? row.max_duration : change.maxDuration,
    updated_at: new Date().toISOString(),
  };
  await pauseReasons.assertFree(db, domain.id, next.name, row);
  await pauseReasons.write(db, actor, domain, next.name, async (trx) => {
    await trx
      .updateTable('pause_reasons')
      .set({ name: next.name, name_key: next.name_key, description: next.description, max_duration: next.max_duration, updated_at: next.updated_at })
      .where('id', '=', row.id)
      .execute();
    return { before: row, after: next };
  });
  return next;
}

/** Agents on a removed reason keep it until they change status. */
export async function removePauseReason(db: Db, actor: AuditActor, domain: DomainRecord, name: string): Promise<void> {
  const row = await pauseReasons.mustFind(db, domain.id, name);
  await pauseReasons.write(db, actor, domain, row.name, async (trx) => {
    await trx.deleteFrom('pause_reasons').where('id', '=', row.id).execute();
    return { before: row, after: null };
  });
}
