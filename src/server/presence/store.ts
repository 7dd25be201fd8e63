import type { Db } from '../db/schema.ts';
import { notFound } from '../http/problem.ts';
import { nameKey } from '../identifiers/normal-form.ts';

/** The user whose live state is asked about or changed: in the directory, not deleted. */
export async function presenceSubject(db: Db, domainId: string, id: string): Promise<{ id: string; login: string }> {
  const row = await db
    .selectFrom('users')
    .select(['id', 'login'])
    .where('domain_id', '=', domainId)
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!row) throw notFound('User');
  return row;
}

/** A user of the domain, deleted or not (its history outlives it). */
export async function userInDirectory(db: Db, domainId: string, id: string): Promise<{ id: string }> {
  const row = await db.selectFrom('users').select('id').where('domain_id', '=', domainId).where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('User');
  return row;
}

/** A pause reason of the domain's catalog by name, in the catalog's spelling. */
export function pauseReasonNamed(db: Db, domainId: string, name: string) {
  return db
    .selectFrom('pause_reasons')
    .select(['name', 'max_duration'])
    .where('domain_id', '=', domainId)
    .where('name_key', '=', nameKey(name))
    .executeTakeFirst();
}

/** A page of the user's status history, newest first. */
export function statusHistory(db: Db, userId: string, dimension: string | undefined, beforeId: string | undefined, limit: number) {
  let query = db
    .selectFrom('status_history')
    .select(['id', 'dimension', 'value', 'reason', 'by', 'actor', 'at'])
    .where('user_id', '=', userId)
    .orderBy('id', 'desc')
    .limit(limit + 1);
  if (dimension) query = query.where('dimension', '=', dimension);
  if (beforeId) query = query.where('id', '<', beforeId);
  return query.execute();
}

/** Of these users, those still in the directory, each with whether it is an enabled agent. */
export async function directoryMembers(db: Db, domainId: string, ids: string[]) {
  const members = new Map<string, boolean>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('users as u')
      .leftJoin('agents as a', 'a.user_id', 'u.id')
      .select(['u.id', 'a.enabled'])
      .where('u.domain_id', '=', domainId)
      .where('u.deleted_at', 'is', null)
      .where('u.id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const r of rows) members.set(r.id, r.enabled === 1);
  }
  return members;
}

/** How many users and enabled agents the domain has (deleted ones left out). */
export async function directoryTotals(db: Db, domainId: string) {
  const users = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('domain_id', '=', domainId)
    .where('deleted_at', 'is', null)
    .executeTakeFirstOrThrow();
  const agents = await db
    .selectFrom('users as u')
    .innerJoin('agents as a', 'a.user_id', 'u.id')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('u.domain_id', '=', domainId)
    .where('u.deleted_at', 'is', null)
    .where('a.enabled', '=', 1)
    .executeTakeFirstOrThrow();
  return { users: Number(users.n), agents: Number(agents.n) };
}

/** The logins of those of `ids` not deleted, a chunk of ids a query. */
export async function loginsOf(db: Db, domainId: string, ids: string[]) {
  const logins = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('users')
      .select(['id', 'login'])
      .where('domain_id', '=', domainId)
      .where('deleted_at', 'is', null)
      .where('id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const r of rows) logins.set(r.id, r.login);
  }
  return logins;
}

/** Enabled agents among `ids` with their level in the skill (all-skills members at level 0), or all of them without a skill. */
export async function skillLevels(db: Db, domainId: string, ids: string[], skill: string | undefined) {
  const levels = new Map<string, { login: string; level: number | null }>();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const query = db
      .selectFrom('agents as a')
      .innerJoin('users as u', 'u.id', 'a.user_id')
      .select(['u.id', 'u.login', 'a.all_skills'])
      .where('a.enabled', '=', 1)
      .where('u.domain_id', '=', domainId)
      .where('u.active', '=', 1)
      .where('u.deleted_at', 'is', null)
      .where('u.id', 'in', chunk);
    if (!skill) {
      for (const r of await query.execute()) levels.set(r.id, { login: r.login, level: null });
      continue;
    }
    const key = nameKey(skill);
    const withLevel = await query
      .leftJoin('agent_skills as s', (join) =>
        join
          .onRef('s.user_id', '=', 'a.user_id')
          .on('s.skill_id', 'in', db.selectFrom('skills').select('id').where('domain_id', '=', domainId).where('name_key', '=', key)),
      )
      .select('s.level')
      .execute();
    for (const r of withLevel) if (r.level !== null || r.all_skills === 1) levels.set(r.id, { login: r.login, level: r.level ?? 0 });
  }
  return levels;
}
