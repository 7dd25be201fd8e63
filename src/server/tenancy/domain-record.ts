import { PostgresAdapter } from 'kysely';
import type { Db, DomainsTable } from '../db/schema.ts';

/**
 * A domain as the API and the guard see it, with the telephony settings every user view needs;
 * its security settings are read on their own.
 */
export type DomainRecord = Omit<DomainsTable, 'password_policy' | 'brute_force' | 'require_sso' | 'crm_gate'>;

export const domainColumns = [
  'id',
  'name',
  'title',
  'active',
  'require_two_factor',
  'realm',
  'sip_settings',
  'agent_defaults',
  'created_at',
  'updated_at',
] as const;

export function findDomain(db: Db, name: string): Promise<DomainRecord | undefined> {
  return db.selectFrom('domains').select(domainColumns).where('name', '=', name).executeTakeFirst();
}

/**
 * Makes writers that pick from the domain's shared pools (free extensions) take turns until the
 * transaction ends. SQLite runs one transaction at a time anyway. `FOR NO KEY UPDATE`, not `FOR
 * UPDATE`: every other write of the domain checks its foreign key with `FOR KEY SHARE`, which
 * `FOR UPDATE` would make wait for a whole import.
 */
export async function lockDomain(db: Db, id: string): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await db.selectFrom('domains').select('id').where('id', '=', id).forNoKeyUpdate().execute();
}
