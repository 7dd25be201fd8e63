import { randomUUID } from 'node:crypto';
import type { Db } from '../db/schema.ts';
import { domainColumns as columns, type DomainRecord } from '../tenancy/domain-record.ts';
import type { DomainCreate, DomainUpdate, DomainView } from './schema.ts';

export const toDomainView = (d: DomainRecord): DomainView => ({
  name: d.name,
  title: d.title,
  active: d.active === 1,
  requireTwoFactor: d.require_two_factor === 1,
  realm: d.realm ?? d.name,
  createdAt: d.created_at,
  updatedAt: d.updated_at,
});

export function listDomains(db: Db, after: string | undefined, limit: number): Promise<DomainRecord[]> {
  let query = db
    .selectFrom('domains')
    .select(columns)
    .orderBy('name')
    .limit(limit + 1);
  if (after !== undefined) query = query.where('name', '>', after);
  return query.execute();
}

export async function countDomains(db: Db): Promise<number> {
  const row = await db
    .selectFrom('domains')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The domain's own row; its built-in roles are the command's to create. */
export async function insertDomain(db: Db, input: DomainCreate): Promise<DomainRecord> {
  const now = new Date().toISOString();
  const record: DomainRecord = {
    id: randomUUID(),
    name: input.name,
    title: input.title ?? null,
    active: input.active ? 1 : 0,
    require_two_factor: input.requireTwoFactor ? 1 : 0,
    realm: input.realm ?? input.name,
    sip_settings: null,
    agent_defaults: null,
    created_at: now,
    updated_at: now,
  };
  await db.insertInto('domains').values(record).execute();
  return record;
}

export async function updateDomain(db: Db, domain: DomainRecord, change: DomainUpdate): Promise<DomainRecord> {
  const next: DomainRecord = {
    ...domain,
    title: change.title === undefined ? domain.title : change.title,
    active: change.active === undefined ? domain.active : change.active ? 1 : 0,
    require_two_factor: change.requireTwoFactor === undefined ? domain.require_two_factor : change.requireTwoFactor ? 1 : 0,
    realm: change.realm ?? domain.realm,
    updated_at: new Date().toISOString(),
  };
  await db
    .updateTable('domains')
    .set({ title: next.title, active: next.active, require_two_factor: next.require_two_factor, realm: next.realm, updated_at: next.updated_at })
    .where('id', '=', domain.id)
    .execute();
  return next;
}

export async function deleteDomain(db: Db, domain: DomainRecord): Promise<void> {
  await db.deleteFrom('domains').where('id', '=', domain.id).execute();
}
