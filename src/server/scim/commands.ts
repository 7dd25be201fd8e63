import type { z } from 'zod';
import type { GroupsTable } from '../db/schema.ts';
import { stale } from '../http/etag.ts';
import { conflict, Problem } from '../http/problem.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { timeOrderedId } from '../identifiers/time-ordered-id.ts';
import { rememberingCatalogs } from '../tenancy/lookups.ts';
import { lookupsOf } from '../users/lookups.ts';
import { writeNewUsers, type NewUser } from '../users/new-users.ts';
import { changeGroup, changeMembership, createGroup, removeGroup } from '../groups/commands.ts';
import { changeUser, createUser, deleteUser, prepareUser, writePreparedUser, type PreparedUser, type Requester } from '../users/commands.ts';
import { passCrmGate } from '../users/crm-passage.ts';
import type { Safeguards } from '../users/safeguards.ts';
import { userCreate, userUpdate, type UserView } from '../users/schema.ts';
import { invalidPath, invalidValue } from './errors.ts';
import { parsePatchPath } from './filter.ts';
import { matchesFilter } from './filter-match.ts';
import { groupFields, groupResource, groupVersion, memberIds } from './group-mapping.ts';
import { applyPatch, patchOperations, type PatchOperation } from './patch.ts';
import { liveGroup, liveUser, userResources, type ReadContext } from './reads.ts';
import type { ScimObject } from './schema.ts';
import { liveUserIds, membersOf } from './store.ts';
import { scimNameOf, userFields, withScimExternalId } from './user-mapping.ts';
import { isObject, lowerKeys } from './values.ts';

/** A SCIM write: the token's owner acting through it (its audit entries name the token), with the directory's safeguards. */
export interface WriteContext extends ReadContext {
  requester: Requester;
  guards: Safeguards;
}

/** What the identity provider gave a new user no role for: the built-in role every domain has. */
const DEFAULT_ROLE = 'agent';

function scimObject(body: unknown): ScimObject {
  const object = lowerKeys(body);
  if (!isObject(object)) throw invalidValue('Send a JSON object');
  return object;
}

/** The directory's own validation, its refusals told in SCIM's attribute names. */
function parsed<T>(schema: z.ZodType<T>, fields: Record<string, unknown>): T {
  const result = schema.safeParse(fields);
  if (result.success) return result.data;
  throw invalidValue(
    result.error.issues
      .map((issue) => {
        const [head, ...rest] = issue.path.map(String);
        return `${[scimNameOf[head ?? ''] ?? head, ...rest].filter(Boolean).join('.')}: ${issue.message}`;
      })
      .join('; '),
  );
}

async function assertManager(context: ReadContext, fields: Record<string, unknown>, self?: string) {
  const manager = fields.managerId;
  if (typeof manager !== 'string') return;
  if (manager === self || !(await liveUserIds(context.db, context.domain.id, [manager])).has(manager))
    throw invalidValue(`manager: no other user of this domain has the id ${JSON.stringify(manager)}`);
}

async function newUserInput(context: WriteContext, body: unknown) {
  const fields = withScimExternalId(userFields(scimObject(body)), []);
  await assertManager(context, fields);
  return parsed(userCreate, { roles: [DEFAULT_ROLE], ...fields });
}

export async function createScimUser(context: WriteContext, body: unknown): Promise<UserView> {
  return createUser(context.db, context.requester, context.domain, await newUserInput(context, body), context.guards);
}

/** A new user's id, or why it was not made. */
export type Made = { id: string } | { error: unknown };

/**
 * Many new users at once (a Bulk request's run of creations): each checked and prepared as
 * createUser does, the CRM gate asked once for all of them, then written together in one
 * transaction by the writer imports use. Users with a SIP account are written one by one, since
 * their extensions and SIP usernames are picked while writing. Should the shared write meet a
 * login taken meanwhile, each is written on its own.
 */
export async function createScimUsers(context: WriteContext, bodies: unknown[]): Promise<Made[]> {
  const made: Made[] = [];
  const entrants: { at: number; user: PreparedUser; alone: boolean }[] = [];
  const claimed = new Set<string>();
  const lookups = rememberingCatalogs(lookupsOf(context.db, context.domain.id));
  for (const body of bodies) {
    try {
      const input = await newUserInput(context, body);
      const keys = [input.login, input.email].flatMap((k) => (k ? [k.toLowerCase()] : []));
      if (keys.some((k) => claimed.has(k))) throw conflict('user.exists', 'An earlier operation of this request takes this login or e-mail');
      const user = await prepareUser(context.db, context.requester, context.domain, input, context.guards, { lookups });
      keys.forEach((k) => claimed.add(k));
      entrants.push({ at: made.length, user, alone: input.sip !== undefined });
      made.push({ id: timeOrderedId() });
    } catch (error) {
      made.push({ error });
    }
  }
  const admitted = await passGate(context, entrants, made);
  const ready = admitted.filter((e) => !e.alone).map((e) => ({ id: (made[e.at] as { id: string }).id, user: e.user }));
  const written = await context.db
    .transaction()
    .execute((trx) => writeNewUsers(trx, context.requester, context.domain, ready))
    .then(() => true)
    .catch((error: unknown) => {
      if (!isUniqueViolation(error)) throw error;
      return false;
    });
  if (!written) await writeOneByOne(context, ready, made);
  for (const entrant of admitted.filter((e) => e.alone)) {
    made[entrant.at] = await writePreparedUser(context.db, context.requester, context.domain, entrant.user).then(
      (user) => ({ id: user.id }),
      (error: unknown) => ({ error }),
    );
  }
  return made;
}

/** The CRM gate, asked once for the request's creations: its refusal fails them all, an id it gave that is taken fails that one. */
async function passGate<T extends { at: number; user: PreparedUser }>(context: WriteContext, entrants: T[], made: Made[]): Promise<T[]> {
  try {
    const taken = await passCrmGate(
      context.db,
      context.guards,
      context.domain,
      entrants.map((e) => ({ state: e.user.state, reason: 'user.create' as const })),
    );
    const refused = new Set(taken.map((p) => Number(p.path.split('/')[1])));
    taken.forEach((p) => {
      const entrant = entrants[Number(p.path.split('/')[1])] as T;
      made[entrant.at] = { error: conflict(p.code, p.message) };
    });
    return entrants.filter((_, index) => !refused.has(index));
  } catch (error) {
    for (const entrant of entrants) made[entrant.at] = { error };
    return [];
  }
}

async function writeOneByOne(context: WriteContext, ready: NewUser[], made: Made[]) {
  for (const entry of ready) {
    const at = made.findIndex((m) => 'id' in m && m.id === entry.id);
    await context.db
      .transaction()
      .execute((trx) => writeNewUsers(trx, context.requester, context.domain, [entry]))
      .catch((error: unknown) => {
        if (!isUniqueViolation(error)) throw error;
        made[at] = { error: conflict('user.exists', 'The login or e-mail was taken a moment ago by another request') };
      });
  }
}

/** Writes a user's fields as a whole (PUT, or a PATCH's result) through the directory's own change. */
async function writeUser(context: WriteContext, before: UserView, fields: Record<string, unknown>): Promise<UserView> {
  await assertManager(context, fields, before.id);
  const change = parsed(userUpdate, withScimExternalId(fields, before.externalIds));
  return changeUser(context.db, context.requester, context.domain, before.id, change, before.version, context.guards);
}

async function userAt(context: WriteContext, id: string, expectedVersion: number | undefined): Promise<UserView> {
  const before = await liveUser(context, id);
  if (expectedVersion !== undefined && expectedVersion !== before.version) throw stale();
  return before;
}

export async function replaceScimUser(context: WriteContext, id: string, body: unknown, expectedVersion: number | undefined): Promise<UserView> {
  const before = await userAt(context, id, expectedVersion);
  return writeUser(context, before, userFields(scimObject(body)));
}

export async function patchScimUser(context: WriteContext, id: string, body: unknown, expectedVersion: number | undefined): Promise<UserView> {
  const operations = patchOperations(body);
  const before = await userAt(context, id, expectedVersion);
  const [resource] = await userResources(context, [before]);
  const after = applyPatch(lowerKeys(resource) as ScimObject, operations);
  return writeUser(context, before, userFields(after));
}

export async function deleteScimUser(context: WriteContext, id: string, expectedVersion: number | undefined): Promise<void> {
  await userAt(context, id, expectedVersion);
  await deleteUser(context.db, context.requester, context.domain, id, expectedVersion);
}

/** `If-Match` against a group: its ETag, weak or strong, or `*`. */
export function assertGroupVersion(group: GroupsTable, ifMatch: string | undefined): void {
  if (ifMatch === undefined || ifMatch.trim() === '*') return;
  const tag = /^\s*(?:W\/)?"([^"]*)"\s*$/.exec(ifMatch)?.[1];
  if (tag !== groupVersion(group)) throw stale();
}

async function assertMembers(context: ReadContext, ids: string[]): Promise<void> {
  const live = await liveUserIds(context.db, context.domain.id, ids);
  const unknown = ids.filter((id) => !live.has(id));
  if (unknown.length) throw invalidValue(`members: no user of this domain has the id ${unknown.map((id) => JSON.stringify(id)).join(', ')}`);
}

async function changeMembers(context: WriteContext, group: GroupsTable, ids: string[], how: 'add' | 'remove'): Promise<void> {
  if (how === 'add') await assertMembers(context, ids);
  for (const id of ids) {
    await changeMembership(context.db, context.requester, context.domain, { name: group.name, id }, how).catch((error: unknown) => {
      // A member already deleted is no member to remove.
      if (how === 'remove' && error instanceof Problem && error.status === 404) return;
      throw error;
    });
  }
}

async function setMembers(context: WriteContext, group: GroupsTable, ids: string[]): Promise<void> {
  await assertMembers(context, ids);
  const current = (await membersOf(context.db, [group.id])).get(group.id)?.map((m) => m.id) ?? [];
  const wanted = new Set(ids);
  await changeMembers(
    context,
    group,
    current.filter((id) => !wanted.has(id)),
    'remove',
  );
  await changeMembers(
    context,
    group,
    ids.filter((id) => !current.includes(id)),
    'add',
  );
}

export async function createScimGroup(context: WriteContext, body: unknown): Promise<ScimObject> {
  const fields = groupFields(scimObject(body));
  if (fields.members) await assertMembers(context, fields.members);
  const group = await createGroup(context.db, context.requester, context.domain, {
    name: fields.name,
    description: null,
    roles: [],
    externalId: fields.externalId,
  });
  await changeMembers(context, group, fields.members ?? [], 'add');
  return groupWithMembers(context, group.id);
}

export async function groupWithMembers(context: ReadContext, id: string): Promise<ScimObject> {
  const group = await liveGroup(context, id);
  return groupResource(group, (await membersOf(context.db, [id])).get(id), context.base);
}

export async function replaceScimGroup(context: WriteContext, id: string, body: unknown, ifMatch: string | undefined): Promise<ScimObject> {
  const group = await liveGroup(context, id);
  assertGroupVersion(group, ifMatch);
  const fields = groupFields(scimObject(body));
  const changed = await changeGroup(context.db, context.requester, context.domain, group.name, { name: fields.name, externalId: fields.externalId });
  await setMembers(context, changed, fields.members ?? []);
  return groupWithMembers(context, id);
}

const targetsMembers = (operation: PatchOperation) =>
  operation.path === undefined
    ? isObject(operation.value) && 'members' in operation.value
    : parsePatchPath(operation.path).path.attribute.toLowerCase() === 'members';

/**
 * A group's PATCH: its members are changed one by one, as Microsoft Entra ID and Okta send them,
 * without reading the others; its other attributes through the group's own change.
 */
export async function patchScimGroup(context: WriteContext, id: string, body: unknown, ifMatch: string | undefined): Promise<void> {
  const operations = patchOperations(body);
  let group = await liveGroup(context, id);
  assertGroupVersion(group, ifMatch);
  for (const operation of operations) {
    if (targetsMembers(operation)) await patchMembers(context, group, operation);
    const rest = withoutMembers(operation);
    if (!rest) continue;
    const after = applyPatch(lowerKeys(groupResource(group, undefined, context.base)) as ScimObject, [rest]);
    const fields = groupFields(after);
    if (fields.name !== group.name || fields.externalId !== group.external_id)
      group = await changeGroup(context.db, context.requester, context.domain, group.name, { name: fields.name, externalId: fields.externalId });
  }
}

/** The part of an operation that is not about members, if any. */
function withoutMembers(operation: PatchOperation): PatchOperation | null {
  if (operation.path !== undefined) return targetsMembers(operation) ? null : operation;
  if (!isObject(operation.value) || !('members' in operation.value)) return operation;
  const { members: _members, ...value } = operation.value;
  return Object.keys(value).length ? { ...operation, value } : null;
}

async function patchMembers(context: WriteContext, group: GroupsTable, operation: PatchOperation): Promise<void> {
  const value = operation.path === undefined ? (operation.value as ScimObject).members : operation.value;
  const path = operation.path === undefined ? undefined : parsePatchPath(operation.path);
  if (path?.filter) {
    if (operation.op !== 'remove') throw invalidPath('A members filter is for remove only; add members by value');
    const filter = path.filter;
    // The form identity providers send, `members[value eq "…"]`, names its member: nothing to read.
    if (filter.kind === 'compare' && filter.op === 'eq' && filter.path.attribute.toLowerCase() === 'value' && typeof filter.value === 'string')
      return changeMembers(context, group, [filter.value], 'remove');
    const current = (await membersOf(context.db, [group.id])).get(group.id) ?? [];
    const matching = current.filter((m) => matchesFilter({ value: m.id, display: m.login, type: 'User' }, filter)).map((m) => m.id);
    return changeMembers(context, group, matching, 'remove');
  }
  if (operation.op === 'add') return changeMembers(context, group, memberIds(value), 'add');
  if (operation.op === 'replace') return setMembers(context, group, memberIds(value));
  if (value === undefined) return setMembers(context, group, []);
  return changeMembers(context, group, memberIds(value), 'remove');
}

export async function deleteScimGroup(context: WriteContext, id: string, ifMatch: string | undefined): Promise<void> {
  const group = await liveGroup(context, id);
  assertGroupVersion(group, ifMatch);
  await removeGroup(context.db, context.requester, context.domain, group.name);
}
