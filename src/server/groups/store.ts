import { randomUUID } from 'node:crypto';
import type { Db, GroupsTable } from '../db/schema.ts';
import { nameKey } from '../identifiers/normal-form.ts';
import type { GroupView } from './schema.ts';

/** Adds each group's role names and live member count. */
export async function toGroupViews(db: Db, groups: GroupsTable[]): Promise<GroupView[]> {
  if (groups.length === 0) return [];
  const ids = groups.map((g) => g.id);
  const roles = await db
    .selectFrom('group_roles')
    .innerJoin('roles', 'roles.id', 'group_roles.role_id')
    .select(['group_id', 'name'])
    .where('group_id', 'in', ids)
    .orderBy('name_key')
    .execute();
  const counts = await db
    .selectFrom('user_groups')
    .innerJoin('users', 'users.id', 'user_groups.user_id')
    .select((eb) => ['group_id', eb.fn.countAll().as('n')])
    .where('group_id', 'in', ids)
    .where('users.deleted_at', 'is', null)
    .groupBy('group_id')
    .execute();
  const countOf = new Map(counts.map((c) => [c.group_id, Number(c.n)]));
  return groups.map((g) => ({
    name: g.name,
    description: g.description,
    roles: roles.filter((r) => r.group_id === g.id).map((r) => r.name),
    memberCount: countOf.get(g.id) ?? 0,
    externalId: g.external_id,
    createdAt: g.created_at,
    updatedAt: g.updated_at,
  }));
}

export async function toGroupView(db: Db, group: GroupsTable): Promise<GroupView> {
  return (await toGroupViews(db, [group]))[0] as GroupView;
}

/** A group's own fields, besides the roles it grants. */
export interface GroupFields {
  name: string;
  description: string | null;
  externalId: string | null;
}

export async function insertGroup(db: Db, domainId: string, group: GroupFields, roleIds: string[]) {
  const now = new Date().toISOString();
  const record: GroupsTable = {
    id: randomUUID(),
    domain_id: domainId,
    name: group.name,
    name_key: nameKey(group.name),
    description: group.description,
    external_id: group.externalId,
    created_at: now,
    updated_at: now,
  };
  await db.insertInto('groups').values(record).execute();
  await setGroupRoles(db, record.id, roleIds);
  return record;
}

export async function updateGroup(db: Db, group: GroupsTable, next: GroupFields, roleIds: string[] | undefined) {
  const record: GroupsTable = {
    ...group,
    name: next.name,
    name_key: nameKey(next.name),
    description: next.description,
    external_id: next.externalId,
    updated_at: new Date().toISOString(),
  };
  await db
    .updateTable('groups')
    .set({ name: record.name, name_key: record.name_key, description: record.description, external_id: record.external_id, updated_at: record.updated_at })
    .where('id', '=', group.id)
    .execute();
  if (roleIds) {
    await db.deleteFrom('group_roles').where('group_id', '=', group.id).execute();
    await setGroupRoles(db, group.id, roleIds);
  }
  return record;
}

async function setGroupRoles(db: Db, groupId: string, roleIds: string[]) {
  if (roleIds.length)
    await db
      .insertInto('group_roles')
      .values(roleIds.map((role_id) => ({ group_id: groupId, role_id })))
      .execute();
}

export async function deleteGroup(db: Db, groupId: string) {
  await db.deleteFrom('groups').where('id', '=', groupId).execute();
}

/** The ids of the roles the group grants. */
export async function groupRoleIds(db: Db, groupId: string): Promise<string[]> {
  return (await db.selectFrom('group_roles').select('role_id').where('group_id', '=', groupId).execute()).map((r) => r.role_id);
}

/** The ids of the group's members, deleted users among them. */
export async function groupMemberIds(db: Db, groupId: string): Promise<string[]> {
  return (await db.selectFrom('user_groups').select('user_id').where('group_id', '=', groupId).execute()).map((r) => r.user_id);
}

/** Answers whether the membership changed (it was absent before adding, present before removing). */
export async function addMember(db: Db, groupId: string, userId: string): Promise<boolean> {
  const exists = await db.selectFrom('user_groups').select('user_id').where('group_id', '=', groupId).where('user_id', '=', userId).executeTakeFirst();
  if (exists) return false;
  await db.insertInto('user_groups').values({ group_id: groupId, user_id: userId }).execute();
  return true;
}

export async function removeMember(db: Db, groupId: string, userId: string): Promise<boolean> {
  const result = await db.deleteFrom('user_groups').where('group_id', '=', groupId).where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
