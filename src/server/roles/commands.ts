import { catalogOf } from '../catalogs/commands.ts';
import type { Db, RolesTable } from '../db/schema.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import { grantRefused, roleChangeRefused, roleInUse, roleRemovalRefused, type Granter } from './rules.ts';
import type { RoleCreate, RoleUpdate, RoleView } from './schema.ts';
import { deleteRole, insertRole, roleUsage, toRoleView, updateRole } from './store.ts';
import { refuse } from '../http/problem.ts';

export const roles = catalogOf<RolesTable, RoleView>({ table: 'roles', code: 'role', noun: 'role', toView: toRoleView });

export async function createRole(db: Db, actor: Granter, domain: DomainRecord, input: RoleCreate): Promise<RolesTable> {
  refuse(grantRefused(actor, input.permissions));
  await roles.assertFree(db, domain.id, input.name);
  const fields = { name: input.name, description: input.description ?? null, permissions: input.permissions, requireTwoFactor: input.requireTwoFactor };
  const { after } = await roles.write(db, actor, domain, input.name, async (trx) => ({ before: null, after: await insertRole(trx, domain.id, fields) }));
  return after;
}

/** Only the permissions a change adds must be the actor's own. */
export async function changeRole(db: Db, actor: Granter, domain: DomainRecord, name: string, change: RoleUpdate): Promise<RolesTable> {
  const role = await roles.mustFind(db, domain.id, name);
  const before = toRoleView(role);
  refuse(roleChangeRefused(role, change));
  const next = {
    name: change.name ?? role.name,
    description: change.description === undefined ? role.description : change.description,
    permissions: change.permissions ?? before.permissions,
    requireTwoFactor: change.requireTwoFactor ?? before.requireTwoFactor,
  };
  refuse(
    grantRefused(
      actor,
      next.permissions.filter((p) => !before.permissions.includes(p)),
    ),
  );
  await roles.assertFree(db, domain.id, next.name, role);
  const { after } = await roles.write(db, actor, domain, next.name, async (trx) => ({ before: role, after: await updateRole(trx, role, next) }));
  return after;
}

/** A built-in role, or one somebody holds, stays. */
export async function removeRole(db: Db, actor: Granter, domain: DomainRecord, name: string): Promise<void> {
  const role = await roles.mustFind(db, domain.id, name);
  refuse(roleRemovalRefused(role));
  await roles.write(db, actor, domain, role.name, async (trx) => {
    refuse(roleInUse(await roleUsage(trx, role.id)));
    await deleteRole(trx, role.id);
    return { before: role, after: null };
  });
}
