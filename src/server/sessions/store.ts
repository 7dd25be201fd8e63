import { createHash, randomBytes } from 'node:crypto';
import { PostgresAdapter, sql } from 'kysely';
import { unlessBusy } from '../db/busy.ts';
import { prepared } from '../db/prepared.ts';
import type { Db } from '../db/schema.ts';
import { Problem } from '../http/problem.ts';
import type { Actor } from '../http/access.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import { effectivePermissions } from '../permissions/effective.ts';

/** Only a hash of the token is stored: a copy of the database signs nobody in. */
export const sessionIdOf = (token: string) => createHash('sha256').update(token).digest('base64url');

/** How often a session's "last seen" is written; reading it does not need to be exact. */
const LAST_SEEN_GRANULARITY_MS = 60_000;

export async function openSession(db: Db, userId: string, ttlSeconds: number, client: { userAgent?: string; address?: string }) {
  const token = randomBytes(32).toString('base64url');
  const now = new Date();
  const expiresAt = new Date(now.getTime() + ttlSeconds * 1000).toISOString();
  await db
    .insertInto('sessions')
    .values({
      id: sessionIdOf(token),
      user_id: userId,
      created_at: now.toISOString(),
      expires_at: expiresAt,
      last_seen_at: now.toISOString(),
      user_agent: client.userAgent?.slice(0, 500) ?? null,
      address: client.address ?? null,
    })
    .execute();
  return { token, expiresAt };
}

export async function closeSession(db: Db, sessionId: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', sessionId).execute();
}

export async function closeUserSessions(db: Db, userId: string): Promise<void> {
  await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
}

export const tooManySessions = () =>
  new Problem(409, 'auth.too_many_sessions', 'This account has as many open sessions as it may; sign out elsewhere first, or ask an administrator to end them');

/**
 * Makes room for one more session of the user within its limit: `deny-new` refuses the new one,
 * `end-oldest` ends the oldest sessions. Call in the transaction that opens the session.
 */
export async function admitSession(db: Db, user: { id: string; max_sessions: number | null; session_limit: string }, now = new Date()): Promise<void> {
  if (user.max_sessions === null) return;
  const live = await db
    .selectFrom('sessions')
    .select('id')
    .where('user_id', '=', user.id)
    .where('expires_at', '>', now.toISOString())
    .orderBy('created_at', 'asc')
    .execute();
  const excess = live.length - user.max_sessions + 1;
  if (excess <= 0) return;
  if (user.session_limit === 'deny-new') throw tooManySessions();
  await db
    .deleteFrom('sessions')
    .where(
      'id',
      'in',
      live.slice(0, excess).map((s) => s.id),
    )
    .execute();
}

export interface SessionView {
  id: string;
  userAgent: string | null;
  address: string | null;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
}

export async function listSessions(db: Db, userId: string, now = new Date()): Promise<SessionView[]> {
  const rows = await db
    .selectFrom('sessions')
    .select(['id', 'user_agent', 'address', 'created_at', 'last_seen_at', 'expires_at'])
    .where('user_id', '=', userId)
    .where('expires_at', '>', now.toISOString())
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    userAgent: r.user_agent,
    address: r.address,
    createdAt: r.created_at,
    lastSeenAt: r.last_seen_at,
    expiresAt: r.expires_at,
  }));
}

/** Ends one session of the user; answers false when there was none by that id. */
export async function closeUserSession(db: Db, userId: string, sessionId: string): Promise<boolean> {
  const result = await db.deleteFrom('sessions').where('user_id', '=', userId).where('id', '=', sessionId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export interface SignedIn {
  actor: Actor;
  domain: DomainRecord;
  /** For an API token: the owner's IP allow-list, checked on every use (a session was checked at sign-in). */
  allowedNetworks?: string[];
}

/** The account and domain columns every credential (session or API token) is checked against. */
export const accountColumns = [
  'u.id as user_id',
  'u.login',
  'u.domain_admin',
  'u.platform_admin',
  'd.id as domain_id',
  'd.name as domain_name',
  'd.title as domain_title',
  'd.active as domain_active',
  'd.require_two_factor',
  'd.realm',
  'd.sip_settings',
  'd.agent_defaults',
  'd.created_at as domain_created_at',
  'd.updated_at as domain_updated_at',
] as const;

export const domainOfRow = (row: {
  domain_id: string;
  domain_name: string;
  domain_title: string | null;
  domain_active: number;
  require_two_factor: number;
  realm: string | null;
  sip_settings: string | null;
  agent_defaults: string | null;
  domain_created_at: string;
  domain_updated_at: string;
}): DomainRecord => ({
  id: row.domain_id,
  name: row.domain_name,
  title: row.domain_title,
  active: row.domain_active,
  require_two_factor: row.require_two_factor,
  realm: row.realm,
  sip_settings: row.sip_settings,
  agent_defaults: row.agent_defaults,
  created_at: row.domain_created_at,
  updated_at: row.domain_updated_at,
});

/**
 * The roles the signed-in user (`users as u`) holds, directly or through groups, as a JSON list of
 * [permissions, require_two_factor]: read with the session or API token rather than by a
 * statement after it, which every request paid when the read cache was off or just emptied.
 */
export const heldRolesJson = (db: Db) => {
  const held = sql`r.id in (select role_id from user_roles where user_id = u.id)
    or r.id in (select gr.role_id from user_groups ug inner join group_roles gr on gr.group_id = ug.group_id where ug.user_id = u.id)`;
  return db.getExecutor().adapter instanceof PostgresAdapter
    ? sql<unknown>`(select coalesce(json_agg(json_build_array(r.permissions, r.require_two_factor)), '[]'::json) from roles r where ${held})`
    : sql<unknown>`(select json_group_array(json_array(r.permissions, r.require_two_factor)) from roles r where ${held})`;
};

/** The roles of `heldRolesJson`, as PostgreSQL (parsed JSON) or SQLite (its text) answers them. */
export function rolesOf(held: unknown): { permissions: readonly string[]; requireTwoFactor: boolean }[] {
  const list = (typeof held === 'string' ? JSON.parse(held) : held) as [string, number][];
  return list.map(([permissions, requireTwoFactor]) => ({ permissions: parsedPermissions(permissions), requireTwoFactor: requireTwoFactor === 1 }));
}

/**
 * A live session, its account and domain by the session's id. Every request of a signed-in user
 * reads it when the read cache is off: built and compiled once (prepared.ts), not per request.
 */
const liveSessionQuery = (db: Db, sessionId: string, now: string) =>
  db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .innerJoin('domains as d', 'd.id', 'u.domain_id')
    // An identity provider that vouched for several factors meets a two-factor requirement.
    .leftJoin('sso_sessions as sso', 'sso.session_id', 's.id')
    .select([
      's.id as session_id',
      'sso.multi_factor',
      's.last_seen_at',
      'u.session_timeout',
      'u.must_change_password',
      'u.two_factor',
      'u.require_two_factor as user_requires_two_factor',
      ...accountColumns,
      heldRolesJson(db).as('held_roles'),
    ])
    .where('s.id', '=', sessionId)
    .where('s.expires_at', '>', now)
    .where('u.active', '=', sql.lit(1))
    .where('u.deleted_at', 'is', null)
    .where('d.active', '=', sql.lit(1));

type LiveSessionRow = Awaited<ReturnType<ReturnType<typeof liveSessionQuery>['execute']>>[number];
const liveSession = prepared<{ sessionId: string; now: string }, LiveSessionRow>((db: Db, param) => liveSessionQuery(db, param('sessionId'), param('now')));

/**
 * A role's permissions as stored (a JSON list), parsed once per distinct list: every request of
 * a signed-in user reads its roles when the read cache is off, and roles rarely change. Keyed by
 * the stored text itself, so a changed role is parsed anew and nothing stale is ever answered.
 */
const parsed = new Map<string, readonly string[]>();
const PARSED_MAX = 1000;
function parsedPermissions(text: string): readonly string[] {
  let list = parsed.get(text);
  if (!list) {
    if (parsed.size >= PARSED_MAX) parsed.clear();
    list = JSON.parse(text) as string[];
    parsed.set(text, list);
  }
  return list;
}

/**
 * The signed-in user behind a token, with their domain, if the session is live and the account
 * and domain are active.
 */
export async function actorForToken(db: Db, token: string): Promise<SignedIn | null> {
  const now = new Date();
  const [row] = await liveSession(db, { sessionId: sessionIdOf(token), now: now.toISOString() });
  if (!row) return null;
  const idle = now.getTime() - Date.parse(row.last_seen_at);
  if (row.session_timeout !== null && idle > row.session_timeout * 1000) {
    await closeSession(db, row.session_id);
    return null;
  }
  if (idle > LAST_SEEN_GRANULARITY_MS) {
    // A last-seen time is skipped rather than waited for while a long write (an import) holds SQLite.
    await unlessBusy(() => db.updateTable('sessions').set({ last_seen_at: now.toISOString() }).where('id', '=', row.session_id).execute());
  }
  const platformAdmin = row.platform_admin === 1;
  const roles = rolesOf(row.held_roles);
  const domain = domainOfRow(row);
  const actor: Actor = {
    sessionId: row.session_id,
    apiTokenId: null,
    id: row.user_id,
    login: row.login,
    domainId: row.domain_id,
    domainName: row.domain_name,
    platformAdmin,
    permissions: effectivePermissions(
      roles.map((r) => r.permissions),
      { domainAdmin: row.domain_admin === 1, platformAdmin },
    ),
    restriction:
      row.must_change_password === 1
        ? 'password_change'
        : row.two_factor === 'none' &&
            row.multi_factor !== 1 &&
            (row.require_two_factor === 1 || row.user_requires_two_factor === 1 || roles.some((r) => r.requireTwoFactor))
          ? 'two_factor_enrollment'
          : null,
  };
  return { actor, domain };
}

/** Whether a user may sign in only through an identity provider: their domain or a role they hold, directly or through a group, says so. */
export async function mustUseSso(db: Db, domainId: string, userId: string): Promise<boolean> {
  const domain = await db.selectFrom('domains').select('require_sso').where('id', '=', domainId).executeTakeFirst();
  if (domain?.require_sso === 1) return true;
  const role = await db
    .selectFrom('roles')
    .select('id')
    .where('require_sso', '=', 1)
    .where((eb) =>
      eb.or([
        eb('id', 'in', eb.selectFrom('user_roles').select('role_id').where('user_id', '=', userId)),
        eb(
          'id',
          'in',
          eb.selectFrom('user_groups as ug').innerJoin('group_roles as gr', 'gr.group_id', 'ug.group_id').select('gr.role_id').where('ug.user_id', '=', userId),
        ),
      ]),
    )
    .executeTakeFirst();
  return role !== undefined;
}

export async function pruneExpiredSessions(db: Db, now = new Date()): Promise<void> {
  await db.deleteFrom('sessions').where('expires_at', '<=', now.toISOString()).execute();
}
