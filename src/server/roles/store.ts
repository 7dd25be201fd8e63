import { randomUUID } from 'node:crypto';
import type { Db, RolesTable } from '../db/schema.ts';
import { ADMIN_ROLE, builtinRoles } from './builtin.ts';
import { nameKey } from '../identifiers/normal-form.ts';
import type { RoleView } from './schema.ts';
import { catalogRows, type Lookups } from '../tenancy/lookups.ts';

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
  require_sso: 0,
  created_at: now,
  updated_at: now,
});

export async function createBuiltinRoles(db: Db, domainId: string, now: string): Promise<void> {
  await db
    .insertInto('roles')
    .values(builtinRoles.map((role) => roleRecord(domainId, role, true, now)))
    .execute();
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

/** The permissions the roles grant, all together. */
export async function permissionsOfRoles(db: Db, roleIds: string[]): Promise<string[]> {
  if (roleIds.length === 0) return [];
  const rows = await db.selectFrom('roles').select('permissions').where('id', 'in', roleIds).execute();
  return rows.flatMap((r) => JSON.parse(r.permissions) as string[]);
}

/**
 * Whether the domain has an active administrator: by the flag, the admin role, or a group holding
 * it. Three probes, each stopping at its first row by its own index, not a count of the domain's users.
 */
export async function hasAdministrator(db: Db, domainId: string): Promise<boolean> {
  const row = await db
    .selectNoFrom((eb) => {
      const adminRoles = eb
        .selectFrom('roles as r')
        .select('r.id')
        .where('r.domain_id', '=', domainId)
        .where('r.name_key', '=', nameKey(ADMIN_ROLE))
        .where('r.builtin', '=', 1);
      return eb
        .or([
          eb.exists(
            eb
              .selectFrom('users as u')
              .select('u.id')
              .where('u.domain_id', '=', domainId)
              .where('u.domain_admin', '=', 1)
              .where('u.active', '=', 1)
              .where('u.deleted_at', 'is', null),
          ),
          eb.exists(
            eb
              .selectFrom('user_roles as ur')
              .innerJoin('users as u', 'u.id', 'ur.user_id')
              .select('u.id')
              .where('ur.role_id', 'in', adminRoles)
              .where('u.active', '=', 1)
              .where('u.deleted_at', 'is', null),
          ),
          eb.exists(
            eb
              .selectFrom('group_roles as gr')
              .innerJoin('user_groups as ug', 'ug.group_id', 'gr.group_id')
              .innerJoin('users as u', 'u.id', 'ug.user_id')
              .select('u.id')
              .where('gr.role_id', 'in', adminRoles)
              .where('u.active', '=', 1)
              .where('u.deleted_at', 'is', null),
          ),
        ])
        .as('held');
    })
    .executeTakeFirstOrThrow();
  return Boolean(Number(row.held));
}
