import type { Db, DirectorySourcesTable } from '../db/schema.ts';
import { oneOf } from '../db/set-wise.ts';
import { domainColumns, type DomainRecord } from '../tenancy/domain-record.ts';
import { presets, type AttributeMapping, type Membership, type Preset, type SyncedUser } from './rules.ts';
import type { DirectorySourceView, GroupMapping, LastSync } from './schema.ts';

export type SourceRow = DirectorySourcesTable;

export const toSourceView = (row: SourceRow): DirectorySourceView => ({
  id: row.id,
  name: row.name,
  url: row.url,
  startTls: row.start_tls === 1,
  bindDn: row.bind_dn,
  bindPasswordSet: true,
  baseDn: row.base_dn,
  userFilter: row.user_filter,
  preset: row.preset as Preset,
  attributes: attributesOf(row),
  membership: row.membership as Membership,
  groupMappings: JSON.parse(row.group_mappings) as GroupMapping[],
  defaultRoles: JSON.parse(row.default_roles) as string[],
  ownedFields: JSON.parse(row.owned_fields) as string[],
  scheduleMinutes: row.schedule_minutes,
  nextSyncAt: row.next_sync_at,
  lastSync: row.last_sync === null ? null : (JSON.parse(row.last_sync) as LastSync),
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export const attributesOf = (row: Pick<SourceRow, 'attributes' | 'preset'>): AttributeMapping => ({
  ...presets[row.preset as Preset].attributes,
  ...(JSON.parse(row.attributes) as Partial<AttributeMapping>),
});

export function listSources(db: Db, domainId: string): Promise<SourceRow[]> {
  return db.selectFrom('directory_sources').selectAll().where('domain_id', '=', domainId).orderBy('name_key').execute();
}

export function findSource(db: Db, domainId: string, id: string): Promise<SourceRow | undefined> {
  return db.selectFrom('directory_sources').selectAll().where('domain_id', '=', domainId).where('id', '=', id).executeTakeFirst();
}

export function findSourceById(db: Db, id: string): Promise<SourceRow | undefined> {
  return db.selectFrom('directory_sources').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function nameTaken(db: Db, domainId: string, nameKey: string, exceptId: string | null): Promise<boolean> {
  const row = await db
    .selectFrom('directory_sources')
    .select('id')
    .where('domain_id', '=', domainId)
    .where('name_key', '=', nameKey)
    .$if(exceptId !== null, (q) => q.where('id', '!=', exceptId as string))
    .executeTakeFirst();
  return row !== undefined;
}

export async function insertSource(db: Db, row: SourceRow): Promise<void> {
  await db.insertInto('directory_sources').values(row).execute();
}

export async function writeSource(db: Db, id: string, values: Partial<SourceRow>): Promise<void> {
  await db.updateTable('directory_sources').set(values).where('id', '=', id).execute();
}

/** The source's users stay, owned by nobody: their fields become Switchboard's to change. */
export async function deleteSource(db: Db, id: string): Promise<void> {
  await db.updateTable('users').set({ directory_source_id: null, directory_dn: null }).where('directory_source_id', '=', id).execute();
  await db.deleteFrom('directory_sources').where('id', '=', id).execute();
}

/**
 * Claims a scheduled sync that is due: moves its time on only if nobody did meanwhile, so of
 * several processes on one database one runs it.
 */
export async function claimDueSync(db: Db, source: Pick<SourceRow, 'id' | 'next_sync_at'>, next: string): Promise<boolean> {
  if (source.next_sync_at === null) return false;
  const result = await db
    .updateTable('directory_sources')
    .set({ next_sync_at: next })
    .where('id', '=', source.id)
    .where('next_sync_at', '=', source.next_sync_at)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export function dueSources(db: Db, now: string): Promise<SourceRow[]> {
  return db.selectFrom('directory_sources').selectAll().where('next_sync_at', '<=', now).execute();
}

/**
 * The source's users as the sync compares them: their mapped fields, activation, roles and groups,
 * in three queries however many they are (deleted users are left alone: a sync never restores one).
 */
export async function syncedUsers(db: Db, sourceId: string): Promise<SyncedUser[]> {
  const rows = await db
    .selectFrom('users as u')
    .leftJoin('sip_accounts as s', 's.user_id', 'u.id')
    .select([
      'u.id',
      'u.directory_dn',
      'u.login',
      'u.email',
      'u.first_name',
      'u.last_name',
      'u.work_phone',
      'u.position',
      'u.description',
      'u.oauth_email',
      'u.active',
      's.extension',
      's.user_id as sip_user',
    ])
    .where('u.directory_source_id', '=', sourceId)
    .where('u.deleted_at', 'is', null)
    .execute();
  const roles = await db
    .selectFrom('user_roles as ur')
    .innerJoin('roles as r', 'r.id', 'ur.role_id')
    .innerJoin('users as u', 'u.id', 'ur.user_id')
    .select(['ur.user_id', 'r.name'])
    .where('u.directory_source_id', '=', sourceId)
    .execute();
  const groups = await db
    .selectFrom('user_groups as ug')
    .innerJoin('groups as g', 'g.id', 'ug.group_id')
    .innerJoin('users as u', 'u.id', 'ug.user_id')
    .select(['ug.user_id', 'g.name'])
    .where('u.directory_source_id', '=', sourceId)
    .execute();
  const byUser = (links: { user_id: string; name: string }[]) => {
    const map = new Map<string, string[]>();
    for (const { user_id, name } of links) map.set(user_id, [...(map.get(user_id) ?? []), name]);
    return map;
  };
  const rolesOf = byUser(roles);
  const groupsOf = byUser(groups);
  return rows.map((r) => ({
    id: r.id,
    dn: r.directory_dn ?? '',
    login: r.login,
    email: r.email,
    firstName: r.first_name,
    lastName: r.last_name,
    workPhone: r.work_phone,
    position: r.position,
    description: r.description,
    oauthEmail: r.oauth_email,
    extension: r.extension ?? null,
    hasSip: r.sip_user !== null,
    active: r.active === 1,
    roles: rolesOf.get(r.id) ?? [],
    groups: groupsOf.get(r.id) ?? [],
  }));
}

/** Binds new users to the source, and moved entries to their new DN. */
export async function setDirectoryEntries(db: Db, sourceId: string, entries: { id: string; dn: string }[]): Promise<void> {
  for (const { id, dn } of entries) await db.updateTable('users').set({ directory_source_id: sourceId, directory_dn: dn }).where('id', '=', id).execute();
}

/** Which of these logins the domain holds already for a user that is not the source's (deleted ones included). */
export async function loginsHeldElsewhere(db: Db, domainId: string, sourceId: string, loginKeys: string[]): Promise<Set<string>> {
  if (loginKeys.length === 0) return new Set();
  const rows = await db
    .selectFrom('users')
    .select('login_key')
    .where('domain_id', '=', domainId)
    .where(oneOf(db, 'login_key', loginKeys))
    .where((eb) => eb.or([eb('directory_source_id', 'is', null), eb('directory_source_id', '!=', sourceId)]))
    .execute();
  return new Set(rows.map((r) => r.login_key));
}

/** A synced user's entry and the server that checks its password, for a sign-in. */
export async function bindTarget(db: Db, userId: string) {
  return db
    .selectFrom('users as u')
    .innerJoin('directory_sources as d', 'd.id', 'u.directory_source_id')
    .select(['u.directory_dn', 'd.url', 'd.start_tls'])
    .where('u.id', '=', userId)
    .executeTakeFirst();
}

export function domainById(db: Db, id: string): Promise<DomainRecord | undefined> {
  return db.selectFrom('domains').select(domainColumns).where('id', '=', id).executeTakeFirst();
}
