import { sql } from 'kysely';
import type { Database, Db, GroupsTable } from '../db/schema.ts';
import { SCIM_SYSTEM } from './user-mapping.ts';
import { nameKey } from '../identifiers/normal-form.ts';
import { userRowsQuery, type UserRow } from '../users/store.ts';
import type { Filter } from './filter.ts';
import { filterToWhere, type ColumnMapping } from './filter-sql.ts';
import type { Member } from './group-mapping.ts';

const lower = (value: string) => value.toLowerCase();

/** Where externalId is kept: the user's external id of the system `scim`. */
const SCIM_ID = 'x.external_id';

/** The user attributes a filter or sortBy may name, and the columns answering them; userName, emails and externalId by index. */
export const userColumnMapping = (domainId: string): ColumnMapping<Database, 'users'> => ({
  id: { column: 'users.id', type: 'string', caseExact: true },
  // The identity provider's id is the user's external id of the system `scim`, found by the unique index of (domain, system, id).
  externalid: {
    column: SCIM_ID,
    type: 'string',
    caseExact: true,
    exists: (eb, inner) =>
      eb(
        'users.id',
        'in',
        eb.selectFrom('user_external_ids as x').select('x.user_id').where('x.domain_id', '=', domainId).where('x.system', '=', SCIM_SYSTEM).where(inner),
      ),
  },
  username: { column: 'users.login', type: 'string', key: { column: 'users.login_key', normalize: lower } },
  emails: { column: 'users.email', type: 'string', key: { column: 'users.email_key', normalize: lower } },
  'emails.value': { column: 'users.email', type: 'string', key: { column: 'users.email_key', normalize: lower } },
  // A user has one e-mail address, answered as the primary work one (Entra ID asks `emails[type eq "work"]`).
  'emails.type': { constant: 'work', type: 'string' },
  'emails.primary': { constant: true, type: 'boolean' },
  'name.givenname': { column: 'users.first_name', type: 'string' },
  'name.familyname': { column: 'users.last_name', type: 'string' },
  active: { column: 'users.active', type: 'boolean' },
  title: { column: 'users.position', type: 'string' },
  preferredlanguage: { column: 'users.language', type: 'string' },
  locale: { column: 'users.locale', type: 'string' },
  timezone: { column: 'users.timezone', type: 'string' },
  employeenumber: { column: 'users.employee_number', type: 'string' },
  department: { column: 'users.department', type: 'string' },
  'manager.value': { column: 'users.manager_id', type: 'string', caseExact: true },
  'meta.created': { column: 'users.created_at', type: 'dateTime' },
  'meta.lastmodified': { column: 'users.updated_at', type: 'dateTime' },
});

/** What a sort by the column orders by: externalId is looked up for each user of the window. */
const sortKey = (column: string) =>
  column === SCIM_ID ? sql`(select x.external_id from user_external_ids x where x.user_id = users.id and x.system = ${SCIM_SYSTEM})` : sql.ref(column);

export const groupColumnMapping: ColumnMapping = {
  id: { column: 'groups.id', type: 'string', caseExact: true },
  externalid: { column: 'groups.external_id', type: 'string', caseExact: true },
  displayname: { column: 'groups.name', type: 'string', key: { column: 'groups.name_key', normalize: nameKey } },
  'meta.created': { column: 'groups.created_at', type: 'dateTime' },
  'meta.lastmodified': { column: 'groups.updated_at', type: 'dateTime' },
};

export interface Window {
  filter?: Filter;
  sortColumn?: string;
  descending: boolean;
  /** 0-based: SCIM's startIndex less one. */
  offset: number;
  count: number;
}

/** The live users of the domain a filter selects: the count of all, and the rows of one window. */
export function usersQuery(db: Db, domainId: string, filter: Filter | undefined) {
  let query = userRowsQuery(db).where('users.domain_id', '=', domainId).where('users.deleted_at', 'is', null);
  if (filter) query = query.where((eb) => filterToWhere(eb, filter, userColumnMapping(domainId)));
  return query;
}

export async function userPage(db: Db, domainId: string, window: Window): Promise<{ total: number; rows: UserRow[] }> {
  const query = usersQuery(db, domainId, window.filter);
  const direction = window.descending ? 'desc' : 'asc';
  const sorted = window.sortColumn ? query.orderBy(sortKey(window.sortColumn), direction) : query;
  const rows = window.count === 0 ? [] : await sorted.orderBy('users.id', direction).offset(window.offset).limit(window.count).execute();
  // A first page that is not full holds every match (an identity provider's lookup by userName): nothing left to count.
  if (window.offset === 0 && rows.length < window.count) return { total: rows.length, rows };
  const counted = await query
    .clearSelect()
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return { total: Number(counted.n), rows };
}

export async function groupPage(db: Db, domainId: string, window: Window): Promise<{ total: number; rows: GroupsTable[] }> {
  let query = db.selectFrom('groups').where('groups.domain_id', '=', domainId);
  const filter = window.filter;
  if (filter) query = query.where((eb) => filterToWhere(eb, filter, groupColumnMapping));
  const counted = await query.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  if (window.count === 0) return { total: Number(counted.n), rows: [] };
  const direction = window.descending ? 'desc' : 'asc';
  const columns = ['id', 'domain_id', 'name', 'name_key', 'description', 'external_id', 'created_at', 'updated_at'] as const;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the column comes from groupColumnMapping, a name Kysely cannot type
  const sorted = window.sortColumn ? query.orderBy(window.sortColumn as any, direction) : query;
  const rows = await sorted.select(columns).orderBy('groups.id', direction).offset(window.offset).limit(window.count).execute();
  return { total: Number(counted.n), rows };
}

export async function findGroup(db: Db, domainId: string, id: string): Promise<GroupsTable | undefined> {
  return db
    .selectFrom('groups')
    .select(['id', 'domain_id', 'name', 'name_key', 'description', 'external_id', 'created_at', 'updated_at'])
    .where('domain_id', '=', domainId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** The ids of the domain's groups of these names, by the name's key. */
export async function groupIdsByName(db: Db, domainId: string, names: string[]): Promise<Map<string, string>> {
  const keys = [...new Set(names.map(nameKey))];
  if (keys.length === 0) return new Map();
  const rows = await db.selectFrom('groups').select(['id', 'name_key']).where('domain_id', '=', domainId).where('name_key', 'in', keys).execute();
  return new Map(rows.map((r) => [r.name_key, r.id]));
}

/** Each group's live members, by group id. */
export async function membersOf(db: Db, groupIds: string[]): Promise<Map<string, Member[]>> {
  const members = new Map<string, Member[]>(groupIds.map((id) => [id, []]));
  if (groupIds.length === 0) return members;
  const rows = await db
    .selectFrom('user_groups')
    .innerJoin('users', 'users.id', 'user_groups.user_id')
    .select(['user_groups.group_id', 'users.id', 'users.login'])
    .where('user_groups.group_id', 'in', groupIds)
    .where('users.deleted_at', 'is', null)
    .orderBy('users.login_key')
    .execute();
  for (const row of rows) members.get(row.group_id)?.push({ id: row.id, login: row.login });
  return members;
}

/** Which of these ids are live users of the domain. */
export async function liveUserIds(db: Db, domainId: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.selectFrom('users').select('id').where('domain_id', '=', domainId).where('id', 'in', ids).where('deleted_at', 'is', null).execute();
  return new Set(rows.map((r) => r.id));
}

export async function tokenName(db: Db, tokenId: string): Promise<string | undefined> {
  return (await db.selectFrom('api_tokens').select('name').where('id', '=', tokenId).executeTakeFirst())?.name;
}
