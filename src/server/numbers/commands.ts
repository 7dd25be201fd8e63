import { randomUUID } from 'node:crypto';
import { diff } from '../audit/rules.ts';
import { recordAudit, type AuditActor } from '../audit/store.ts';
import { uniqueViolationAs } from '../db/errors.ts';
import type { Db } from '../db/schema.ts';
import { notFound } from '../http/problem.ts';
import { usersPresenting } from '../sip-accounts/store.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import { changedNumber, numberInUse, numberTaken, storedValue } from './rules.ts';
import type { NumberCreate, NumberUpdate } from './schema.ts';
import { deleteNumber, findNumber, insertNumber, toNumberView, updateNumber, type NumberRow } from './store.ts';

/** The number addressed by this value, or 404 naming it. */
export async function mustFindNumber(db: Db, domainId: string, value: string): Promise<NumberRow> {
  const row = await findNumber(db, domainId, storedValue(value));
  if (!row) throw notFound(`Number ${JSON.stringify(value)}`);
  return row;
}

/** One write of one number: `change` runs in the transaction; the audit entry records what changed. */
async function write(
  db: Db,
  actor: AuditActor,
  domain: DomainRecord,
  value: string,
  change: (trx: Db) => Promise<{ before: NumberRow | null; after: NumberRow | null }>,
) {
  await db
    .transaction()
    .execute(async (trx) => {
      const { before, after } = await change(trx);
      const action = before === null ? 'created' : after === null ? 'deleted' : 'updated';
      await recordAudit(trx, {
        domainId: domain.id,
        actor,
        action: `number.${action}`,
        target: { type: 'number', id: value, name: value },
        changes: diff(before && toNumberView(before), after && toNumberView(after)),
      });
    })
    .catch(uniqueViolationAs(() => numberTaken(value)));
}

async function assertNotPresented(db: Db, row: NumberRow, purpose?: 'call' | 'sms') {
  const refused = numberInUse(row, await usersPresenting(db, row.id, purpose), purpose);
  if (refused) throw refused;
}

export async function createNumber(db: Db, actor: AuditActor, domain: DomainRecord, input: NumberCreate): Promise<NumberRow> {
  const now = new Date().toISOString();
  const row: NumberRow = {
    id: randomUUID(),
    domain_id: domain.id,
    value: input.value,
    kind: input.kind,
    voice: input.kind === 'number' && input.voice ? 1 : 0,
    sms: input.kind === 'sender' || input.sms ? 1 : 0,
    description: input.description ?? null,
    created_at: now,
    updated_at: now,
  };
  await write(db, actor, domain, row.value, async (trx) => {
    await insertNumber(trx, row);
    return { before: null, after: row };
  });
  return row;
}

/** A capability users present the number for stays until they no longer do. */
export async function changeNumber(db: Db, actor: AuditActor, domain: DomainRecord, value: string, change: NumberUpdate): Promise<NumberRow> {
  const row = await mustFindNumber(db, domain.id, value);
  const next = changedNumber(row, change, new Date().toISOString());
  await write(db, actor, domain, row.value, async (trx) => {
    if (row.voice === 1 && next.voice === 0) await assertNotPresented(trx, row, 'call');
    if (row.sms === 1 && next.sms === 0) await assertNotPresented(trx, row, 'sms');
    await updateNumber(trx, next);
    return { before: row, after: next };
  });
  return next;
}

/** Only a number nobody presents leaves the inventory. */
export async function removeNumber(db: Db, actor: AuditActor, domain: DomainRecord, value: string): Promise<void> {
  const row = await mustFindNumber(db, domain.id, value);
  await write(db, actor, domain, row.value, async (trx) => {
    await assertNotPresented(trx, row);
    await deleteNumber(trx, row.id);
    return { before: row, after: null };
  });
}
