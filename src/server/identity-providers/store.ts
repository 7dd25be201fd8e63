import type { Db, IdentityProvidersTable } from '../db/schema.ts';
import type { MatchClaim } from './rules.ts';

export type ProviderRow = IdentityProvidersTable;

export function listProviders(db: Db, domainId: string): Promise<ProviderRow[]> {
  return db.selectFrom('identity_providers').selectAll().where('domain_id', '=', domainId).orderBy('created_at').orderBy('id').execute();
}

export function findProvider(db: Db, domainId: string, id: string): Promise<ProviderRow | undefined> {
  return db.selectFrom('identity_providers').selectAll().where('domain_id', '=', domainId).where('id', '=', id).executeTakeFirst();
}

export async function insertProvider(db: Db, row: ProviderRow): Promise<void> {
  await db.insertInto('identity_providers').values(row).execute();
}

export async function updateProvider(db: Db, id: string, change: Partial<Omit<ProviderRow, 'id' | 'domain_id' | 'created_at'>>): Promise<void> {
  await db.updateTable('identity_providers').set(change).where('id', '=', id).execute();
}

export async function deleteProvider(db: Db, id: string): Promise<void> {
  await db.deleteFrom('identity_providers').where('id', '=', id).execute();
}

/** Names of the domain's roles among those asked for, by their keys: what was not found is missing from the answer. */
export async function rolesByName(db: Db, domainId: string, names: string[]) {
  if (!names.length) return [];
  return db
    .selectFrom('roles')
    .select(['id', 'name', 'name_key'])
    .where('domain_id', '=', domainId)
    .where(
      'name_key',
      'in',
      names.map((n) => n.toLowerCase()),
    )
    .execute();
}

export async function groupsByName(db: Db, domainId: string, names: string[]) {
  if (!names.length) return [];
  return db
    .selectFrom('groups')
    .select(['name', 'name_key'])
    .where('domain_id', '=', domainId)
    .where(
      'name_key',
      'in',
      names.map((n) => n.toLowerCase()),
    )
    .execute();
}

export async function readSsoPolicy(db: Db, domainId: string) {
  const domain = await db.selectFrom('domains').select('require_sso').where('id', '=', domainId).executeTakeFirstOrThrow();
  const roles = await db.selectFrom('roles').select('name').where('domain_id', '=', domainId).where('require_sso', '=', 1).orderBy('name_key').execute();
  return { required: domain.require_sso === 1, requiredRoles: roles.map((r) => r.name) };
}

export async function writeSsoPolicy(db: Db, domainId: string, required: boolean, roleIds: string[]): Promise<void> {
  await db
    .updateTable('domains')
    .set({ require_sso: required ? 1 : 0 })
    .where('id', '=', domainId)
    .execute();
  await db.updateTable('roles').set({ require_sso: 0 }).where('domain_id', '=', domainId).where('require_sso', '=', 1).execute();
  if (roleIds.length) await db.updateTable('roles').set({ require_sso: 1 }).where('domain_id', '=', domainId).where('id', 'in', roleIds).execute();
}

/**
 * The live user a sign-in names: by their OAuth e-mail first, then by their e-mail (a claim
 * that is no e-mail address, such as a `preferred_username`, also by login).
 */
export async function userForIdentity(db: Db, domainId: string, value: string, claim: MatchClaim) {
  const key = value.toLowerCase();
  const base = db.selectFrom('users').select(['id', 'login', 'login_key', 'two_factor']).where('domain_id', '=', domainId).where('deleted_at', 'is', null);
  const byOauth = await base.where((eb) => eb(eb.fn('lower', ['oauth_email']), '=', key)).executeTakeFirst();
  if (byOauth) return byOauth;
  const byEmail = await base.where('email_key', '=', key).executeTakeFirst();
  if (byEmail || claim === 'email') return byEmail;
  return base.where('login_key', '=', key).executeTakeFirst();
}

export async function markSsoSession(db: Db, sessionId: string, providerId: string, multiFactor: boolean): Promise<void> {
  await db
    .insertInto('sso_sessions')
    .values({ session_id: sessionId, provider_id: providerId, multi_factor: multiFactor ? 1 : 0 })
    .execute();
}

/** The provider that opened a session, if an SSO sign-in did. */
export async function providerOfSession(db: Db, sessionId: string): Promise<ProviderRow | undefined> {
  return db
    .selectFrom('sso_sessions as s')
    .innerJoin('identity_providers as p', 'p.id', 's.provider_id')
    .selectAll('p')
    .where('s.session_id', '=', sessionId)
    .executeTakeFirst();
}
