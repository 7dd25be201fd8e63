import { recordAudit } from '../audit/store.ts';
import { catalogOf } from '../catalogs/commands.ts';
import type { Db, GroupsTable } from '../db/schema.ts';
import { notFound, refuse } from '../http/problem.ts';
import { keepingAnAdministrator } from '../roles/administrators.ts';
import { grantRefused, type Granter } from '../roles/rules.ts';
import { permissionsOfRoles, resolveRoles } from '../roles/store.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import { findUserRow, touchUser } from '../users/store.ts';
import { rolesAdded, unknownRoles } from './rules.ts';
import type { GroupCreate, GroupUpdate } from './schema.ts';
import { addMember, deleteGroup, groupMemberIds, groupRoleIds, insertGroup, removeMember, toGroupView, updateGroup } from './store.ts';

/** A group as its audit entries see it: the row, the names of the roles it grants and, once it has any, its member count. */
type GroupState = GroupsTable & { roles?: string[]; memberCount?: number };
const toAuditView = (g: GroupState) => ({
  name: g.name,
  description: g.description,
  roles: g.roles,
  memberCount: g.memberCount,
  externalId: g.external_id,
  createdAt: g.created_at,
  updatedAt: g.updated_at,
});

export const groups = catalogOf<GroupState, ReturnType<typeof toAuditView>>({ table: 'groups', code: 'group', noun: 'group', toView: toAuditView });

const stateOf = async (db: Db, group: GroupsTable): Promise<GroupState> => {
  const { roles, memberCount } = await toGroupView(db, group);
  return { ...group, roles, memberCount };
};

async function rolesOrThrow(db: Db, domainId: string, names: string[]): Promise<string[]> {
  const { ids, missing } = await resolveRoles(db, domainId, names);
  refuse(unknownRoles(missing));
  return ids;
}

/** A group hands its roles to its members, so only roles within the actor's own reach may be put on it. */
async function assertMayGrantRoles(db: Db, actor: Granter, roleIds: string[], alreadyGranted: string[] = []) {
  const added = rolesAdded(roleIds, alreadyGranted);
  if (added.length === 0) return;
  refuse(grantRefused(actor, await permissionsOfRoles(db, added)));
}

export async function createGroup(db: Db, actor: Granter, domain: DomainRecord, input: GroupCreate): Promise<GroupsTable> {
  const roleIds = await rolesOrThrow(db, domain.id, input.roles);
  await assertMayGrantRoles(db, actor, roleIds);
  await groups.assertFree(db, domain.id, input.name);
  const { after } = await groups.write(db, actor, domain, input.name, async (trx) => {
    const created = await insertGroup(
      trx,
      domain.id,
      { name: input.name, description: input.description ?? null, externalId: input.externalId ?? null },
      roleIds,
    );
    // A new group has no members yet: its audit entry names what it was created with.
    return { before: null, after: { ...created, roles: (await toGroupView(trx, created)).roles } };
  });
  return after;
}

/** Taking the admin role off a group is refused when that leaves the domain without an administrator. */
export async function changeGroup(db: Db, actor: Granter, domain: DomainRecord, name: string, change: GroupUpdate): Promise<GroupsTable> {
  const group = await groups.mustFind(db, domain.id, name);
  const before = await stateOf(db, group);
  const roleIds = change.roles ? await rolesOrThrow(db, domain.id, change.roles) : undefined;
  if (roleIds) await assertMayGrantRoles(db, actor, roleIds, await groupRoleIds(db, group.id));
  const next = {
    name: change.name ?? group.name,
    description: change.description === undefined ? group.description : change.description,
    externalId: change.externalId === undefined ? group.external_id : change.externalId,
  };
  await groups.assertFree(db, domain.id, next.name, group);
  const { after } = await groups.write(db, actor, domain, next.name, (trx) =>
    keepingAnAdministrator(trx, domain.id, async () => ({ before, after: await stateOf(trx, await updateGroup(trx, group, next, roleIds)) })),
  );
  return after;
}

/** Its members stay, without it (and without the roles it granted, unless that leaves the domain without an administrator). */
export async function removeGroup(db: Db, actor: Granter, domain: DomainRecord, name: string): Promise<void> {
  const group = await groups.mustFind(db, domain.id, name);
  const before = await stateOf(db, group);
  await groups.write(db, actor, domain, group.name, (trx) =>
    keepingAnAdministrator(trx, domain.id, async () => {
      const members = await groupMemberIds(trx, group.id);
      await deleteGroup(trx, group.id);
      for (const id of members) await touchUser(trx, id);
      return { before, after: null };
    }),
  );
}

/** Adds a user to the group or takes them out; a membership that does not change writes nothing. */
export async function changeMembership(
  db: Db,
  actor: Granter,
  domain: DomainRecord,
  params: { name: string; id: string },
  how: 'add' | 'remove',
): Promise<void> {
  const group = await groups.mustFind(db, domain.id, params.name);
  const user = await findUserRow(db, domain.id, params.id);
  if (!user || user.deleted_at) throw notFound('User');
  if (how === 'add') await assertMayGrantRoles(db, actor, await groupRoleIds(db, group.id));
  await db.transaction().execute((trx) =>
    keepingAnAdministrator(trx, domain.id, async () => {
      const changed = how === 'add' ? await addMember(trx, group.id, user.id) : await removeMember(trx, group.id, user.id);
      if (!changed) return;
      await touchUser(trx, user.id);
      await recordAudit(trx, {
        domainId: domain.id,
        actor,
        action: how === 'add' ? 'group.member_added' : 'group.member_removed',
        target: { type: 'user', id: user.id, name: user.login },
        changes: { groups: how === 'add' ? { from: null, to: group.name } : { from: group.name, to: null } },
      });
    }),
  );
}
