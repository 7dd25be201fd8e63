import { PostgresAdapter, sql, type ExpressionBuilder, type SelectQueryBuilder } from 'kysely';
import { prepared, preparedForIds } from '../db/prepared.ts';
import type { Database, Db, UsersTable } from '../db/schema.ts';
import { decodeCursor, encodeCursor, toPage } from '../http/paging.ts';
import { invalid, type FieldProblem } from '../http/problem.ts';
import { nameKey } from '../identifiers/normal-form.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import { agentViewOf } from '../agents/store.ts';
import { sipViewOf } from '../sip-accounts/store.ts';
import { TRIGRAM, WORD_SEPARATORS, searchTextOf, searchWords } from '../db/search-text.ts';
import type { UserListQuery, UserView } from './schema.ts';
import type { DirectoryOwner } from './rules.ts';
import type { Lookups } from '../tenancy/lookups.ts';
import type { PresenceEngine } from '../presence/engine.ts';
import type { PresenceView } from '../presence/schema.ts';
import { externalIdLinks, holdingExternalId, replaceExternalIds } from '../external-ids/store.ts';
import { sortedExternalIds } from '../external-ids/rules.ts';

const userColumns = [
  'id',
  'domain_id',
  'login',
  'email',
  'first_name',
  'last_name',
  'password_hash',
  'active',
  'position',
  'work_phone',
  'timezone',
  'language',
  'description',
  'domain_admin',
  'platform_admin',
  'two_factor',
  'require_two_factor',
  'session_timeout',
  'session_max_age',
  'max_sessions',
  'session_limit',
  'ip_allow_list',
  'oauth_email',
  'caldav_token',
  'crm_id',
  'must_change_password',
  'employee_number',
  'department',
  'manager_id',
  'locale',
  'directory_source_id',
  'version',
  'created_at',
  'updated_at',
  'deleted_at',
] as const;

export type UserRow = Pick<UsersTable, (typeof userColumns)[number]>;

/** What a user is made of, besides the bookkeeping the store adds. */
export type UserState = Omit<UserView, 'id' | 'domain' | 'hasPassword' | 'licenses' | 'directorySource' | 'version' | 'createdAt' | 'updatedAt' | 'deletedAt'>;

/**
 * Secrets written beside the state, never part of it: a password hash and a sealed CalDAV token.
 * Undefined keeps what is stored; null removes it.
 */
export interface StoredSecrets {
  passwordHash?: string | null;
  calDavToken?: string | null;
}

export interface Links {
  roleIds: string[];
  groupIds: string[];
}

/** Users' rows, for a caller to narrow (SCIM's filters) and turn into views. */
export const userRowsQuery = (db: Db) => db.selectFrom('users').select(userColumns);

const userById = prepared<{ domainId: string; id: string }, UserRow>((db: Db, param) =>
  db.selectFrom('users').select(userColumns).where('domain_id', '=', param('domainId')).where('id', '=', param('id')),
);

export async function findUserRow(db: Db, domainId: string, id: string): Promise<UserRow | undefined> {
  return (await userById(db, { domainId, id }))[0];
}

/** The directory source that owns a user, with the fields it owns; undefined for a user of Switchboard's own. */
export async function directoryOwnerOf(db: Db, userId: string): Promise<DirectoryOwner | undefined> {
  const row = await db
    .selectFrom('users as u')
    .innerJoin('directory_sources as d', 'd.id', 'u.directory_source_id')
    .select(['d.name', 'd.owned_fields'])
    .where('u.id', '=', userId)
    .executeTakeFirst();
  return row && { name: row.name, ownedFields: JSON.parse(row.owned_fields) as string[] };
}

/** Logins and e-mails are unique per domain, case-insensitively, deleted users included. */
export async function findTaken(lookups: Lookups, user: { login?: string; email?: string | null }, exceptId?: string) {
  const taken: FieldProblem[] = [];
  const check = async (column: 'login_key' | 'email_key', value: string | null | undefined, path: string, what: string) => {
    if (!value) return;
    if (await lookups.userHolding(column, value.toLowerCase(), exceptId ?? null))
      taken.push({ path, code: `user.${path}_taken`, message: `${what} ${JSON.stringify(value)} is already taken in this domain` });
  };
  await check('login_key', user.login, 'login', 'Login');
  await check('email_key', user.email, 'email', 'E-mail');
  return taken;
}

/** The users row of a state (without id, secrets and bookkeeping). */
export const columnsOf = (state: UserState) => ({
  login: state.login,
  login_key: state.login.toLowerCase(),
  email: state.email ?? null,
  email_key: state.email ? state.email.toLowerCase() : null,
  first_name: state.firstName,
  last_name: state.lastName,
  search_text: searchTextOf({ ...state, extensions: [state.sip?.extension, state.sip?.virtualExtension] }),
  active: state.active ? 1 : 0,
  position: state.position ?? null,
  work_phone: state.workPhone ?? null,
  timezone: state.timezone ?? null,
  language: state.language ?? null,
  description: state.description ?? null,
  domain_admin: state.domainAdmin ? 1 : 0,
  platform_admin: state.platformAdmin ? 1 : 0,
  two_factor: state.security.twoFactor,
  require_two_factor: state.security.requireTwoFactor ? 1 : 0,
  session_timeout: state.security.sessionTimeout,
  session_max_age: state.security.sessionMaxAge,
  max_sessions: state.security.maxSessions,
  session_limit: state.security.sessionLimit,
  ip_allow_list: JSON.stringify(state.security.ipAllowList),
  oauth_email: state.integrations.oauthEmail,
  crm_id: state.integrations.crmId,
  must_change_password: state.passwordChangeRequired ? 1 : 0,
  employee_number: state.employeeNumber ?? null,
  department: state.department ?? null,
  manager_id: state.managerId ?? null,
  locale: state.locale ?? null,
});

const secretColumns = (secrets: StoredSecrets) => ({
  ...(secrets.passwordHash === undefined ? {} : { password_hash: secrets.passwordHash }),
  ...(secrets.calDavToken === undefined ? {} : { caldav_token: secrets.calDavToken }),
});

/**
 * Writes the new state only if nobody wrote since `version`; answers false otherwise.
 */
export async function updateUser(
  db: Db,
  domainId: string,
  id: string,
  version: number,
  state: UserState,
  links: Links,
  secrets: StoredSecrets,
  previous: Pick<UserState, 'externalIds' | 'roles' | 'groups' | 'tags'>,
): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({
      ...columnsOf(state),
      ...secretColumns(secrets),
      version: version + 1,
      updated_at: new Date().toISOString(),
    })
    .where('id', '=', id)
    .where('version', '=', version)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return false;
  // Only the lists the change touched are written again: most changes (a description, a phone) touch none.
  const unchanged = (list: 'roles' | 'groups' | 'tags') => JSON.stringify(previous[list]) === JSON.stringify(state[list]);
  await writeLinks(db, domainId, id, {
    roleIds: unchanged('roles') ? null : links.roleIds,
    groupIds: unchanged('groups') ? null : links.groupIds,
    tags: unchanged('tags') ? null : state.tags,
  });
  if (JSON.stringify(previous.externalIds) !== JSON.stringify(state.externalIds)) await replaceExternalIds(db, domainId, id, state.externalIds);
  return true;
}

/** Writes a user's roles, groups and tags anew; a list given as null is left as it is. */
async function writeLinks(db: Db, domainId: string, userId: string, lists: { roleIds: string[] | null; groupIds: string[] | null; tags: string[] | null }) {
  const { roleIds, groupIds, tags } = lists;
  if (roleIds) {
    await db.deleteFrom('user_roles').where('user_id', '=', userId).execute();
    if (roleIds.length)
      await db
        .insertInto('user_roles')
        .values(roleIds.map((role_id) => ({ user_id: userId, role_id })))
        .execute();
  }
  if (groupIds) {
    await db.deleteFrom('user_groups').where('user_id', '=', userId).execute();
    if (groupIds.length)
      await db
        .insertInto('user_groups')
        .values(groupIds.map((group_id) => ({ user_id: userId, group_id })))
        .execute();
  }
  if (tags) {
    await db.deleteFrom('user_tags').where('user_id', '=', userId).execute();
    const spelled = [...new Map(tags.map((t) => [t.toLowerCase(), t])).values()];
    if (spelled.length)
      await db
        .insertInto('user_tags')
        .values(spelled.map((tag) => ({ user_id: userId, domain_id: domainId, tag })))
        .execute();
  }
}

/** Marks the user deleted (or not) and bumps its version; answers false on a stale version. */
export async function setDeleted(db: Db, id: string, version: number, deletedAt: string | null): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({ deleted_at: deletedAt, version: version + 1, updated_at: new Date().toISOString() })
    .where('id', '=', id)
    .where('version', '=', version)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Everything users carry by name, in one query: roles, groups, tags, licenses held at `now`,
 * presentation pools (`call`, `sms`, ranked by position) and skills (ranked by level).
 */
const linksQuery = (db: Db, ids: string[], now: string) =>
  db
    .selectFrom('user_roles')
    .innerJoin('roles', 'roles.id', 'user_roles.role_id')
    .select(['user_id', sql<string>`'role'`.as('kind'), 'name', sql<number>`0`.as('rank')])
    .where('user_id', 'in', ids)
    .unionAll(
      db
        .selectFrom('user_groups')
        .innerJoin('groups', 'groups.id', 'user_groups.group_id')
        .select(['user_id', sql<string>`'group'`.as('kind'), 'name', sql<number>`0`.as('rank')])
        .where('user_id', 'in', ids),
    )
    .unionAll(
      db
        .selectFrom('user_tags')
        .select(['user_id', sql<string>`'tag'`.as('kind'), 'tag as name', sql<number>`0`.as('rank')])
        .where('user_id', 'in', ids),
    )
    .unionAll(
      db
        .selectFrom('license_assignments')
        .innerJoin('licenses', 'licenses.id', 'license_assignments.license_id')
        .select(['user_id', sql<string>`'license'`.as('kind'), 'name', sql<number>`0`.as('rank')])
        .where('user_id', 'in', ids)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)])),
    )
    .unionAll(
      db
        .selectFrom('presentation_numbers as p')
        .innerJoin('numbers as n', 'n.id', 'p.number_id')
        .select(['p.user_id', 'p.purpose as kind', 'n.value as name', 'p.position as rank'])
        .where('p.user_id', 'in', ids),
    )
    .unionAll(
      db
        .selectFrom('agent_skills as a')
        .innerJoin('skills as k', 'k.id', 'a.skill_id')
        .select(['a.user_id', sql<string>`'skill'`.as('kind'), 'k.name', 'a.level as rank'])
        .where('a.user_id', 'in', ids),
    )
    .unionAll(externalIdLinks(db, ids));

type LinkRow = { user_id: string; kind: string; name: string; rank: number };
/** Built and compiled once per page size: building and compiling the seven-way union cost as much as running it. */
const linkRows = preparedForIds<{ now: string }, LinkRow>((db: Db, ids, param) => linksQuery(db, ids, param('now')));

/** Users' SIP account, agent row and current hot desk, one row per user (nulls where none). */
const telephonyQuery = (db: Db, ids: string[]) =>
  db
    .selectFrom('users as u')
    .leftJoin('sip_accounts as s', 's.user_id', 'u.id')
    .leftJoin('agents as a', 'a.user_id', 'u.id')
    .leftJoin('desk_sign_ins as d', (join) => join.onRef('d.user_id', '=', 'u.id').on('d.signed_out_at', 'is', null))
    .select([
      'u.id',
      's.username',
      's.extension',
      's.virtual_extension',
      's.assignment',
      's.connection',
      's.custom_uri',
      's.auth_acl',
      's.stun',
      's.voicemail_enabled',
      sql<number>`case when s.voicemail_pin_hash is null then 0 else 1 end`.as('pin_set'),
      sql<number>`case when s.ha1_sha256 = '' then 0 else 1 end`.as('sha256_set'),
      's.caller_id_name',
      's.caller_id_number',
      's.realm',
      'a.enabled',
      'a.all_tags',
      'a.all_skills',
      'a.overrides',
      'd.extension as desk',
    ])
    .where('u.id', 'in', ids);

export type TelephonyRow = Awaited<ReturnType<ReturnType<typeof telephonyQuery>['execute']>>[number];
const telephonyRows = preparedForIds<Record<string, never>, TelephonyRow>((db: Db, ids) => telephonyQuery(db, ids));

interface Carried {
  role: string[];
  group: string[];
  tag: string[];
  license: string[];
  call: LinkRow[];
  sms: LinkRow[];
  skill: LinkRow[];
  /** `system:id` each. */
  external: string[];
}

const byName = (a: string, b: string) => a.toLowerCase().localeCompare(b.toLowerCase());

function carriedBy(links: LinkRow[]): Map<string, Carried> {
  const carried = new Map<string, Carried>();
  for (const link of links) {
    let entry = carried.get(link.user_id);
    if (!entry) carried.set(link.user_id, (entry = { role: [], group: [], tag: [], license: [], call: [], sms: [], skill: [], external: [] }));
    if (link.kind === 'call' || link.kind === 'sms' || link.kind === 'skill') entry[link.kind].push(link);
    else entry[link.kind as 'role' | 'group' | 'tag' | 'license' | 'external'].push(link.name);
  }
  return carried;
}

/** The directory sources users are synced from, by id: no query when none is. */
async function directorySourcesOf(db: Db, rows: UserRow[]) {
  const ids = [...new Set(rows.flatMap((r) => (r.directory_source_id ? [r.directory_source_id] : [])))];
  if (ids.length === 0) return new Map<string, NonNullable<UserView['directorySource']>>();
  const sources = await db.selectFrom('directory_sources').select(['id', 'name', 'owned_fields']).where('id', 'in', ids).execute();
  return new Map(sources.map((s) => [s.id, { id: s.id, name: s.name, ownedFields: JSON.parse(s.owned_fields) as string[] }]));
}

/** Builds the API view of users from two queries besides their rows: what they carry by name, and their telephony. */
export async function toUserViews(db: Db, domain: DomainRecord, rows: UserRow[]): Promise<UserView[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const telephony = await telephonyRows(db, ids, {});
  return viewsOf(db, domain, rows, telephony);
}

/**
 * One user's row with its telephony, in one query: reading a user by id is the API's most
 * frequent request, and each query saved is a round trip to PostgreSQL and a lookup of the user
 * by id less on SQLite.
 */
const userWithTelephonyById = prepared<{ domainId: string; id: string }, UserRow & TelephonyRow>((db: Db, param) =>
  telephonyQuery(db, [param('id')])
    .select(userColumns.filter((c) => c !== 'id').map((c) => `u.${c}` as const))
    // `in (?)`: a domain has many users, so SQLite would plan `= ?` anew for each value bound (see rolesHeld in sessions/store.ts).
    .where('u.domain_id', 'in', [param('domainId')]),
);

/** A user of the domain by id, as the API answers it (deleted or not); undefined when there is none. */
export async function findUserView(db: Db, domain: DomainRecord, id: string): Promise<UserView | undefined> {
  const rows = await userWithTelephonyById(db, { domainId: domain.id, id });
  return rows.length === 0 ? undefined : (await viewsOf(db, domain, rows, rows))[0];
}

/** The views of users whose telephony is read: one more query for what they carry by name (and one for directory sources, if any). */
async function viewsOf(db: Db, domain: DomainRecord, rows: UserRow[], telephony: TelephonyRow[]): Promise<UserView[]> {
  const ids = rows.map((r) => r.id);
  const now = new Date().toISOString();
  const links = await linkRows(db, ids, { now });
  const carried = carriedBy(links);
  const telephonyOf = new Map(telephony.map((t) => [t.id, t]));
  const sources = await directorySourcesOf(db, rows);
  const none: Carried = { role: [], group: [], tag: [], license: [], call: [], sms: [], skill: [], external: [] };
  return rows.map((r) => {
    const named = carried.get(r.id) ?? none;
    const phone = telephonyOf.get(r.id) as TelephonyRow;
    const byRank = (list: LinkRow[]) => [...list].sort((a, b) => a.rank - b.rank).map((l) => l.name);
    return {
      id: r.id,
      domain: domain.name,
      login: r.login,
      email: r.email,
      firstName: r.first_name,
      lastName: r.last_name,
      hasPassword: r.password_hash !== null,
      active: r.active === 1,
      roles: named.role.sort(byName),
      groups: named.group.sort(byName),
      position: r.position,
      workPhone: r.work_phone,
      timezone: r.timezone,
      language: r.language,
      description: r.description,
      tags: named.tag.sort(byName),
      licenses: named.license.sort(byName),
      domainAdmin: r.domain_admin === 1,
      platformAdmin: r.platform_admin === 1,
      security: {
        twoFactor: r.two_factor === 'totp' ? 'totp' : 'none',
        requireTwoFactor: r.require_two_factor === 1,
        sessionTimeout: r.session_timeout,
        sessionMaxAge: r.session_max_age,
        maxSessions: r.max_sessions,
        sessionLimit: r.session_limit === 'deny-new' ? 'deny-new' : 'end-oldest',
        ipAllowList: JSON.parse(r.ip_allow_list) as string[],
      },
      integrations: { oauthEmail: r.oauth_email, calDavTokenSet: r.caldav_token !== null, crmId: r.crm_id },
      passwordChangeRequired: r.must_change_password === 1,
      externalIds: sortedExternalIds(named.external.map((text) => ({ system: text.slice(0, text.indexOf(':')), id: text.slice(text.indexOf(':') + 1) }))),
      employeeNumber: r.employee_number,
      department: r.department,
      managerId: r.manager_id,
      locale: r.locale,
      sip: sipViewOf(phone, { callNumbers: byRank(named.call), smsSenders: byRank(named.sms) }, domain),
      agent: agentViewOf(
        phone,
        named.skill.map((s) => ({ skill: s.name, level: s.rank })).sort((a, b) => byName(a.skill, b.skill)),
        domain,
      ),
      directorySource: r.directory_source_id === null ? null : (sources.get(r.directory_source_id) ?? null),
      version: r.version,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      deletedAt: r.deleted_at,
    };
  });
}

const sortColumns = {
  login: 'login_key',
  firstName: 'first_name',
  lastName: 'last_name',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
} as const;

type UsersQuery = SelectQueryBuilder<Database & { u: UsersTable }, 'u', object>;
type UserExpressions = ExpressionBuilder<Database & { u: UsersTable }, 'u'>;

/** Users the live state narrows a list to: these ids, or all but these. */
export type LiveNarrowing = { ids: string[] } | { except: string[] };

/** A row of a list page: its sort value and, in a search, its tier (0: login or extension starts with the search). */
type PageRow = UserRow & { sort_value: string; tier?: number };

export async function listUsers(db: Db, domain: DomainRecord, query: UserListQuery, live?: LiveNarrowing) {
  const page = toPage(
    await pageRows(db, domain.id, query, live),
    query.limit,
    (row) => row,
    (row) => encodeCursor(row.sort_value, row.id, row.tier),
  );
  return { items: await toUserViews(db, domain, page.items), nextCursor: page.nextCursor };
}

/**
 * One page of the list's rows (and one more, telling whether another page follows). A search
 * answers in two tiers, each in the list's order: first the users whose login or extension starts
 * with its first word, then the other matches; the cursor carries the tier, so paging is keyset
 * paging over (tier, sort value, id) and stays stable. The second tier is only read when the first
 * ends on this page.
 */
async function pageRows(db: Db, domainId: string, query: UserListQuery, live?: LiveNarrowing): Promise<PageRow[]> {
  if (live && 'ids' in live && live.ids.length === 0) return [];
  const words = searchWords(query.q ?? '');
  if (words.length === 0) return filteredPage(db, domainId, query, query.limit + 1, undefined, live);
  const plan = await planSearch(db, words);
  if (plan.nothing) return [];
  const tier = query.cursor ? (decodeCursor(query.cursor)[2] ?? 0) : 0;
  const rows: PageRow[] = [];
  if (tier === 0) rows.push(...(await filteredPage(db, domainId, query, query.limit + 1, { ...plan, tier: 0 }, live)));
  if (rows.length <= query.limit) {
    const rest = await filteredPage(
      db,
      domainId,
      { ...query, cursor: tier === 1 ? query.cursor : undefined },
      query.limit + 1 - rows.length,
      { ...plan, tier: 1 },
      live,
    );
    rows.push(...rest);
  }
  return rows;
}

/** Up to this many users holding a search's trigrams, SQLite starts from them; beyond, it walks the list in its order. */
const SEARCH_CANDIDATES = 2_000;

/**
 * How to find a search's matches. PostgreSQL's planner weighs its trigram index against a walk in
 * the list's order by its own statistics. SQLite's does not know how many rows a trigram query
 * finds, so it is asked, counting no further than `SEARCH_CANDIDATES`: a few matches are read by
 * the FTS5 table and sorted (a walk would pass many rows between two of them); many are met soon
 * enough by walking the list in order and checking each row's text, which stops after a page
 * instead of reading and sorting them all. Words shorter than a trigram can only be walked.
 */
async function planSearch(db: Db, words: string[]): Promise<SearchPlan> {
  const long = words.filter((w) => Array.from(w).length >= TRIGRAM);
  if (db.getExecutor().adapter instanceof PostgresAdapter || long.length === 0) return { words, candidates: null, nothing: false };
  const query = trigramQuery(long);
  if (walkedLately.has(query)) return { words, candidates: null, nothing: false };
  // The candidates are kept, not counted: each tier's query then reads them by rowid instead of
  // asking the FTS5 table again.
  const { rows } = await sql<{
    rowid: number;
  }>`select rowid from users_search where users_search match ${query} limit ${SEARCH_CANDIDATES + 1}`.execute(db);
  if (rows.length > SEARCH_CANDIDATES) walkedLately.add(query);
  return { words, candidates: rows.length <= SEARCH_CANDIDATES ? JSON.stringify(rows.map((r) => r.rowid)) : null, nothing: rows.length === 0 };
}

/**
 * Searches found to have many matches lately: the next page of one, or the same search again,
 * walks the list without asking the FTS5 table first (a millisecond of reading 2,001 rowids).
 * Only the plan is kept, never a result: should the matches have become few meanwhile, the walk
 * still finds them all, only slower, until the entry is forgotten.
 */
class WalkedLately {
  readonly #since = new Map<string, number>();

  has(query: string): boolean {
    const since = this.#since.get(query);
    if (since === undefined) return false;
    if (performance.now() - since < PLAN_KEPT_MS) return true;
    this.#since.delete(query);
    return false;
  }

  add(query: string): void {
    // Oldest first, as a Map iterates: at its bound the oldest half goes.
    if (this.#since.size >= PLANS_KEPT) for (const key of [...this.#since.keys()].slice(0, PLANS_KEPT / 2)) this.#since.delete(key);
    this.#since.set(query, performance.now());
  }
}

const PLAN_KEPT_MS = 60_000;
const PLANS_KEPT = 1_000;
const walkedLately = new WalkedLately();

/** A search's words and, on SQLite when few users hold its trigrams, their rowids (a JSON array). */
interface SearchPlan {
  words: string[];
  candidates: string | null;
  nothing: boolean;
}

/** Every user the list's filters match (ids and logins), read a page at a time: what bulk work acts on. */
export async function matchingUsers(db: Db, domainId: string, filter: Omit<UserListQuery, 'limit' | 'cursor' | 'sort'>, max: number, live?: LiveNarrowing) {
  const found: { id: string; login: string }[] = [];
  let cursor: string | undefined;
  for (;;) {
    const rows = await pageRows(db, domainId, { ...filter, sort: 'login', limit: 500, cursor }, live);
    found.push(...rows.slice(0, 500).map((r) => ({ id: r.id, login: r.login })));
    if (rows.length <= 500 || found.length > max) return found;
    const last = rows[499] as PageRow;
    cursor = encodeCursor(last.sort_value, last.id, last.tier);
  }
}

/** `text` as a LIKE pattern's literal part (escaped with a backslash). */
const literal = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);
const like = (column: string, pattern: string) => sql<boolean>`${sql.ref(column)} like ${pattern} escape '\\'`;

/** The FTS5 query of SQLite's trigram table for these words: every trigram of each, quoted. */
function trigramQuery(words: string[]): string {
  const trigrams = new Set<string>();
  for (const word of words) {
    const letters = Array.from(word);
    for (let i = 0; i + TRIGRAM <= letters.length; i += 1) trigrams.add(letters.slice(i, i + TRIGRAM).join(''));
  }
  return [...trigrams].map((t) => `"${t.replaceAll('"', '""')}"`).join(' AND ');
}

/**
 * A user matches a search when each of its words is found in the user's search text: a word of
 * three letters or more anywhere, a shorter one where a word of the text starts. With `candidates`
 * (SQLite, few matches), only the rows the FTS5 table found holding every trigram of the long words
 * are read; PostgreSQL's GIN index serves the LIKE itself when its planner picks it.
 */
function matchesWords(eb: UserExpressions, words: string[], candidates: string | null) {
  const long = words.filter((w) => Array.from(w).length >= TRIGRAM);
  const short = words.filter((w) => Array.from(w).length < TRIGRAM);
  const conditions = [
    ...(candidates !== null ? [sql<boolean>`u.rowid in (select value from json_each(${candidates}))`] : []),
    ...long.map((w) => like('u.search_text', `%${literal(w)}%`)),
    ...short.map((w) =>
      eb.or([like('u.search_text', `${literal(w)}%`), ...WORD_SEPARATORS.map((separator) => like('u.search_text', `%${literal(separator + w)}%`))]),
    ),
  ];
  return eb.and(conditions);
}

/**
 * The first tier of a search: the login, or an extension of the user, starts with `word`. Only a
 * word of digits can start an extension, so only such a word costs a look at the user's extensions.
 */
function startsWith(eb: UserExpressions, word: string) {
  const login = eb.and([eb('u.login_key', '>=', word), eb('u.login_key', '<', `${word}\u{10FFFF}`)]);
  if (!/^[0-9]+$/.test(word)) return login;
  return eb.or([
    login,
    eb.exists(
      eb
        .selectFrom('extensions as e')
        .whereRef('e.user_id', '=', 'u.id')
        .where(like('e.number', `${word}%`))
        .select(eb.lit(1).as('one')),
    ),
  ]);
}

/** Any filters and any sort: walks users in sort order; a search narrows them to its matches of one tier. */
async function filteredPage(
  db: Db,
  domainId: string,
  query: UserListQuery,
  limit: number,
  search: (SearchPlan & { tier: 0 | 1 }) | undefined,
  live?: LiveNarrowing,
): Promise<PageRow[]> {
  const descending = query.sort.startsWith('-');
  const column = sortColumns[query.sort.replace(/^-/, '') as keyof typeof sortColumns];
  const direction = descending ? 'desc' : 'asc';
  // SQLite's planner takes the unique login index for a walk in login order, which looks up every
  // row passed; the index that also holds the search text checks it there (ten times fewer reads).
  const walkIndexed = search && search.candidates === null && column === 'login_key' && !(db.getExecutor().adapter instanceof PostgresAdapter);
  const from: UsersQuery = walkIndexed
    ? db.selectFrom(sql`users as u indexed by users__domain_id__login_key__search_text` as unknown as 'users as u')
    : db.selectFrom('users as u');
  // A search by SQLite's FTS5 table reads its few candidates by rowid and sorts them; its planner
  // would rather walk the domain's index in order, passing every user (a unary + hides the index).
  const byRowid = search && search.candidates !== null;
  let select = from
    .select([...userColumns.map((c) => `u.${c}` as const), `u.${column} as sort_value`])
    .where(byRowid ? sql<string>`+u.domain_id` : 'u.domain_id', '=', domainId)
    .where('u.deleted_at', query.deleted ? 'is not' : 'is', null)
    .orderBy(`u.${column}`, direction)
    .orderBy('u.id', direction)
    .limit(limit);

  if (search) {
    const first = search.words[0] as string;
    select = select.where((eb) => matchesWords(eb, search.words, search.candidates));
    select = select.where((eb) => (search.tier === 0 ? startsWith(eb, first) : eb.not(startsWith(eb, first))));
  }
  if (query.active !== undefined) select = select.where('u.active', '=', query.active ? 1 : 0);
  if (query.externalId) select = select.where('u.id', 'in', holdingExternalId(db, domainId, query.externalId));
  if (live && 'ids' in live) select = select.where('u.id', 'in', live.ids);
  if (live && 'except' in live && live.except.length) select = select.where('u.id', 'not in', live.except);
  if (query.role) {
    const key = nameKey(query.role);
    select = select.where(({ exists, selectFrom, lit }) =>
      exists(
        selectFrom('user_roles as ur')
          .innerJoin('roles as r', 'r.id', 'ur.role_id')
          .whereRef('ur.user_id', '=', 'u.id')
          .where('r.name_key', '=', key)
          .select(lit(1).as('one')),
      ),
    );
  }
  if (query.group) {
    const key = nameKey(query.group);
    select = select.where(({ exists, selectFrom, lit }) =>
      exists(
        selectFrom('user_groups as ug')
          .innerJoin('groups as g', 'g.id', 'ug.group_id')
          .whereRef('ug.user_id', '=', 'u.id')
          .where('g.name_key', '=', key)
          .select(lit(1).as('one')),
      ),
    );
  }
  if (query.tag) {
    // Agents that are members of all tags carry every tag of the catalog, also ones added later.
    const tag = query.tag;
    select = select.where(({ or, exists, selectFrom, lit }) =>
      or([
        exists(selectFrom('user_tags as ut').whereRef('ut.user_id', '=', 'u.id').where('ut.tag', '=', tag).select(lit(1).as('one'))),
        exists(
          selectFrom('agents as a')
            .whereRef('a.user_id', '=', 'u.id')
            .where('a.all_tags', '=', 1)
            .where(({ exists }) => exists(selectFrom('tags as t').where('t.domain_id', '=', domainId).where('t.name', '=', tag).select(lit(1).as('one'))))
            .select(lit(1).as('one')),
        ),
      ]),
    );
  }
  select = telephonyFilters(select, domainId, query);
  if (query.license) {
    const key = nameKey(query.license);
    const now = new Date().toISOString();
    select = select.where(({ exists, selectFrom, lit }) =>
      exists(
        selectFrom('license_assignments as la')
          .innerJoin('licenses as l', 'l.id', 'la.license_id')
          .whereRef('la.user_id', '=', 'u.id')
          .where('l.name_key', '=', key)
          .where((eb) => eb.or([eb('l.expires_at', 'is', null), eb('l.expires_at', '>', now)]))
          .select(lit(1).as('one')),
      ),
    );
  }
  if (query.cursor) {
    const [value, id] = decodeCursor(query.cursor);
    const after = descending ? '<' : '>';
    select = select.where((eb) => eb.or([eb(`u.${column}`, after, String(value)), eb.and([eb(`u.${column}`, '=', String(value)), eb('u.id', after, id)])]));
  }
  // PostgreSQL checks a walk's rows in the index that carries their text (index-only) when it is
  // asked for the ids alone; the page's rows are then read by id.
  const narrow = search && column === 'login_key' && db.getExecutor().adapter instanceof PostgresAdapter;
  const rows = narrow ? await rowsInOrder(db, await select.clearSelect().select(['u.id', 'u.login_key as sort_value']).execute()) : await select.execute();
  return search ? rows.map((row) => ({ ...row, tier: search.tier })) : rows;
}

/** The full rows of these users, in the order given, with their sort values. */
async function rowsInOrder(db: Db, found: { id: string; sort_value: string }[]): Promise<PageRow[]> {
  if (found.length === 0) return [];
  const byId = new Map(
    (
      await userRowsQuery(db)
        .where(
          'id',
          'in',
          found.map((f) => f.id),
        )
        .execute()
    ).map((row) => [row.id, row]),
  );
  return found.flatMap(({ id, sort_value }) => {
    const row = byId.get(id);
    return row ? [{ ...row, sort_value }] : [];
  });
}

/** The list's telephony filters: extension, agent, skill (all-skills agents included) and connection. */
function telephonyFilters<O>(select: SelectQueryBuilder<Database & { u: UsersTable }, 'u', O>, domainId: string, query: UserListQuery) {
  if (query.extension) {
    const number = query.extension;
    select = select.where(({ or, exists, selectFrom, lit }) =>
      or([
        exists(
          selectFrom('extensions as e')
            .whereRef('e.user_id', '=', 'u.id')
            .where('e.domain_id', '=', domainId)
            .where('e.number', '=', number)
            .select(lit(1).as('one')),
        ),
        exists(
          selectFrom('desk_sign_ins as d')
            .whereRef('d.user_id', '=', 'u.id')
            .where('d.extension', '=', number)
            .where('d.signed_out_at', 'is', null)
            .select(lit(1).as('one')),
        ),
      ]),
    );
  }
  if (query.agent !== undefined) {
    const agents = (eb: ExpressionBuilder<Database & { u: UsersTable }, 'u'>) =>
      eb.exists(eb.selectFrom('agents as a').whereRef('a.user_id', '=', 'u.id').where('a.enabled', '=', 1).select(eb.lit(1).as('one')));
    select = select.where((eb) => (query.agent ? agents(eb) : eb.not(agents(eb))));
  }
  if (query.skill) {
    const key = nameKey(query.skill);
    select = select.where(({ or, exists, selectFrom, lit }) =>
      or([
        exists(
          selectFrom('agent_skills as s')
            .innerJoin('skills as k', 'k.id', 's.skill_id')
            .whereRef('s.user_id', '=', 'u.id')
            .where('k.name_key', '=', key)
            .select(lit(1).as('one')),
        ),
        exists(
          selectFrom('agents as a')
            .whereRef('a.user_id', '=', 'u.id')
            .where('a.all_skills', '=', 1)
            .where(({ exists }) => exists(selectFrom('skills as k').where('k.domain_id', '=', domainId).where('k.name_key', '=', key).select(lit(1).as('one'))))
            .select(lit(1).as('one')),
        ),
      ]),
    );
  }
  if (query.connection) {
    const connection = query.connection;
    select = select.where(({ exists, selectFrom, lit }) =>
      exists(selectFrom('sip_accounts as s').whereRef('s.user_id', '=', 'u.id').where('s.connection', '=', connection).select(lit(1).as('one'))),
    );
  }
  return select;
}

/** The views of these users of the domain, read 500 at a time. */
export async function usersByIds(db: Db, domain: DomainRecord, ids: string[]): Promise<UserView[]> {
  const views: UserView[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('users')
      .select(userColumns)
      .where('domain_id', '=', domain.id)
      .where('id', 'in', ids.slice(i, i + 500))
      .orderBy('login_key')
      .execute();
    views.push(...(await toUserViews(db, domain, rows)));
  }
  return views;
}

/** Removes users deleted before `cutoff`, with everything that hangs off them; answers who went. */
export async function purgeDeleted(db: Db, cutoff: string) {
  const doomed = await db.selectFrom('users').select(['id', 'domain_id', 'login']).where('deleted_at', '<', cutoff).execute();
  for (let i = 0; i < doomed.length; i += 500) {
    const ids = doomed.slice(i, i + 500).map((u) => u.id);
    await db.deleteFrom('users').where('id', 'in', ids).execute();
  }
  return doomed;
}

/** Records that something hanging off the user (its groups) changed, so its ETag moves on. */
export async function touchUser(db: Db, id: string): Promise<void> {
  await db
    .updateTable('users')
    .set((eb) => ({ version: eb('version', '+', 1), updated_at: new Date().toISOString() }))
    .where('id', '=', id)
    .execute();
}

/**
 * What each of these accounts may do: its administrator flags and the permissions of every role
 * it holds, directly or through its groups. Set-wise, a few statements per 500 accounts.
 */
export async function accountHolders(
  db: Db,
  domainId: string,
  ids: string[],
): Promise<Map<string, { platformAdmin: boolean; domainAdmin: boolean; roles: string[][] }>> {
  const holders = new Map<string, { platformAdmin: boolean; domainAdmin: boolean; roles: string[][] }>();
  for (let i = 0; i < ids.length; i += 500) {
    const slice = ids.slice(i, i + 500);
    const users = await db
      .selectFrom('users')
      .select(['id', 'platform_admin', 'domain_admin'])
      .where('domain_id', '=', domainId)
      .where('id', 'in', slice)
      .execute();
    for (const u of users) holders.set(u.id, { platformAdmin: u.platform_admin === 1, domainAdmin: u.domain_admin === 1, roles: [] });
    const direct = db
      .selectFrom('user_roles as ur')
      .innerJoin('roles as r', 'r.id', 'ur.role_id')
      .select(['ur.user_id', 'r.permissions'])
      .where('ur.user_id', 'in', slice);
    const viaGroups = db
      .selectFrom('user_groups as ug')
      .innerJoin('group_roles as gr', 'gr.group_id', 'ug.group_id')
      .innerJoin('roles as r', 'r.id', 'gr.role_id')
      .select(['ug.user_id', 'r.permissions'])
      .where('ug.user_id', 'in', slice);
    for (const row of await direct.unionAll(viaGroups).execute()) holders.get(row.user_id)?.roles.push(JSON.parse(row.permissions) as string[]);
  }
  return holders;
}

/** Lists that filter on the live state narrow by at most this many users. */
const LIVE_NARROWING_MAX = 10_000;

/**
 * The users a list's live filters (status, registered, online) leave: users never seen are
 * offline in every way, so a filter they pass keeps everyone but the live users it refuses.
 */
export async function liveNarrowing(
  presence: PresenceEngine,
  domainId: string,
  query: Pick<UserListQuery, 'status' | 'registered' | 'online'>,
): Promise<LiveNarrowing | undefined> {
  const { status, registered, online } = query;
  if (status === undefined && registered === undefined && online === undefined) return undefined;
  const passes = (v: PresenceView) =>
    (status === undefined || (v.cc.loggedIn ? v.status.value : 'offline') === status) &&
    (registered === undefined || v.registration.registered === registered) &&
    (online === undefined || v.online === online);
  const views = [...(await presence.views(domainId)).values()];
  const neverSeenPass = (status === undefined || status === 'offline') && registered !== true && online !== true;
  const narrowing: LiveNarrowing = neverSeenPass
    ? { except: views.filter((v) => !passes(v)).map((v) => v.userId) }
    : { ids: views.filter(passes).map((v) => v.userId) };
  const size = 'ids' in narrowing ? narrowing.ids.length : narrowing.except.length;
  if (size > LIVE_NARROWING_MAX)
    throw invalid([
      { path: 'status', code: 'list.live_filter_too_wide', message: `More than ${LIVE_NARROWING_MAX} users are live this way; add another filter` },
    ]);
  return narrowing;
}
