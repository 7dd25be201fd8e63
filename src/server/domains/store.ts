import { randomUUID } from 'node:crypto';
import { PostgresAdapter } from 'kysely';
import type { Db, DomainsTable } from '../db/schema.ts';
import { createBuiltinRoles } from '../roles/store.ts';
import type { DomainCreate, DomainUpdate, DomainView } from './schema.ts';

/**
 * A domain as the API and the guard see it, with the telephony settings every user view needs;
 * its security settings are read on their own.
 */
export type DomainRecord = Omit<DomainsTable, 'password_policy' | 'brute_force'>;

const columns = ['id', 'name', 'title', 'active', 'require_two_factor', 'realm', 'sip_settings', 'agent_defaults', 'created_at', 'updated_at'] as const;

export const toDomainView = (d: DomainRecord): DomainView => ({
  name: d.name,
  title: d.title,
  active: d.active === 1,
  requireTwoFactor: d.require_two_factor === 1,
  realm: d.realm ?? d.name,
  createdAt: d.created_at,
  updatedAt: d.updated_at,
});

export function findDomain(db: Db, name: string): Promise<DomainRecord | undefined> {
  return db.selectFrom('domains').select(columns).where('name', '=', name).executeTakeFirst();
}

export function listDomains(db: Db, after: string | undefined, limit: number): Promise<DomainRecord[]> {
  let query = db.selectFrom('domains').select(columns).orderBy('name').limit(limit + 1);
  if (after !== undefined) query = query.where('name', '>', after);
  return query.execute();
}

export async function countDomains(db: Db): Promise<number> {
  const row = await db.selectFrom('domains').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Creates a domain with its built-in roles; call inside a transaction. */
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
  await createBuiltinRoles(db, record.id, now);
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

/**
 * Makes writers that pick from the domain's shared pools (free extensions) take turns until the
 * transaction ends. SQLite runs one transaction at a time anyway.
 */
export async function lockDomain(db: Db, id: string): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await db.selectFrom('domains').select('id').where('id', '=', id).forUpdate().execute();
}
