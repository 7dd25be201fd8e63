import { randomUUID } from 'node:crypto';
import type { Db, RolesTable } from '../db/schema.ts';
import { builtinRoles } from './builtin.ts';
import { nameKey } from '../identifiers/normal-form.ts';
import type { RoleView } from './schema.ts';
import { catalogRows, type Lookups } from '../tenancy/lookups.ts';

const columns = ['id', 'domain_id', 'name', 'name_key', 'description', 'permissions', 'builtin', 'require_two_factor', 'created_at', 'updated_at'] as const;

export const toRoleView = (r: RolesTable): RoleView => ({
  name: r.name,
  description: r.description,
  permissions: JSON.parse(r.permissions) as string[],
  builtin: r.builtin === 1,
  requireTwoFactor: r.require_two_factor === 1,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

type RoleFields = { name: string; description: string | null; permissions: string[]; requireTwoFactor?: boolean };

const roleRecord = (domainId: string, role: RoleFields, builtin: boolean, now: string): RolesTable => ({
  id: randomUUID(),
  domain_id: domainId,
  name: role.name,
  name_key: nameKey(role.name),
  description: role.description,
  permissions: JSON.stringify(role.permissions),
  builtin: builtin ? 1 : 0,
  require_two_factor: role.requireTwoFactor ? 1 : 0,
  created_at: now,
  updated_at: now,
});

export async function createBuiltinRoles(db: Db, domainId: string, now: string): Promise<void> {
  await db
    .insertInto('roles')
    .values(builtinRoles.map((role) => roleRecord(domainId, role, true, now)))
    .execute();
}

export function findRole(db: Db, domainId: string, name: string): Promise<RolesTable | undefined> {
  return db.selectFrom('roles').select(columns).where('domain_id', '=', domainId).where('name_key', '=', nameKey(name)).executeTakeFirst();
}

export function listRoles(db: Db, domainId: string, after: string | undefined, limit: number): Promise<RolesTable[]> {
  let query = db
    .selectFrom('roles')
    .select(columns)
    .where('domain_id', '=', domainId)
    .orderBy('name_key')
    .limit(limit + 1);
  if (after !== undefined) query = query.where('name_key', '>', after);
  return query.execute();
}

/** Resolves role names to ids; answers the names that do not exist as well. */
export async function resolveRoles(db: Db, domainId: string, names: string[]) {
  return resolveNames({ catalog: (table, keys) => catalogRows(db, domainId, table, keys) }, 'roles', names);
}

export async function resolveNames(lookups: Pick<Lookups, 'catalog'>, table: 'roles' | 'groups', names: string[]) {
  const rows = await lookups.catalog(table, names.map(nameKey));
  const idByKey = new Map(rows.map((r) => [r.name_key, r.id]));
  return {
    ids: [...idByKey.values()],
    missing: names.map((name, index) => ({ name, index })).filter(({ name }) => !idByKey.has(nameKey(name))),
  };
}

export async function insertRole(db: Db, domainId: string, role: RoleFields) {
  const record = roleRecord(domainId, role, false, new Date().toISOString());
  await db.insertInto('roles').values(record).execute();
  return record;
}

export async function updateRole(db: Db, role: RolesTable, next: RoleFields) {
  const record: RolesTable = {
    ...role,
    name: next.name,
    name_key: nameKey(next.name),
    description: next.description,
    permissions: JSON.stringify(next.permissions),
    require_two_factor: next.requireTwoFactor ? 1 : 0,
    updated_at: new Date().toISOString(),
  };
  await db
    .updateTable('roles')
    .set({
      name: record.name,
      name_key: record.name_key,
      description: record.description,
      permissions: record.permissions,
      require_two_factor: record.require_two_factor,
      updated_at: record.updated_at,
    })
    .where('id', '=', role.id)
    .execute();
  return record;
}

/** How many users hold the role directly and how many groups grant it. */
export async function roleUsage(db: Db, roleId: string) {
  const [users, groups] = await Promise.all([
    db
      .selectFrom('user_roles')
      .innerJoin('users', 'users.id', 'user_roles.user_id')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('role_id', '=', roleId)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('group_roles')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('role_id', '=', roleId)
      .executeTakeFirstOrThrow(),
  ]);
  return { users: Number(users.n), groups: Number(groups.n) };
}

export async function deleteRole(db: Db, roleId: string): Promise<void> {
  await db.deleteFrom('roles').where('id', '=', roleId).execute();
}
