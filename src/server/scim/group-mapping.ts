import type { GroupsTable } from '../db/schema.ts';
import { invalidValue } from './errors.ts';
import { GROUP_SCHEMA, type ScimObject } from './schema.ts';
import { isObject, list, text } from './values.ts';

export interface Member {
  id: string;
  login: string;
}

/** A group's ETag: groups keep no version, their last change time stands for it. */
export const groupVersion = (group: GroupsTable) => String(Date.parse(group.updated_at));

/** A group as SCIM answers it; `members` undefined leaves them out (they were not asked for). */
export function groupResource(group: GroupsTable, members: Member[] | undefined, base: string): ScimObject {
  return {
    schemas: [GROUP_SCHEMA],
    id: group.id,
    ...(group.external_id === null ? {} : { externalId: group.external_id }),
    displayName: group.name,
    ...(members ? { members: members.map((m) => ({ value: m.id, $ref: `${base}/Users/${m.id}`, display: m.login, type: 'User' })) } : {}),
    meta: {
      resourceType: 'Group',
      created: group.created_at,
      lastModified: group.updated_at,
      version: `W/"${groupVersion(group)}"`,
      location: `${base}/Groups/${group.id}`,
    },
  };
}

/** The member ids of a `members` value: objects with `value`, or bare ids. */
export function memberIds(value: unknown): string[] {
  const ids = list(isObject(value) ? [value] : value, 'members').map((m) => text(isObject(m) ? m.value : m, 'members.value'));
  if (ids.some((id) => !id)) throw invalidValue('Every member needs a value: the id of a user');
  return [...new Set(ids as string[])];
}

/** A group's fields of a SCIM group (keys in lower case), as a create or a full replacement writes them. */
export function groupFields(scim: ScimObject): { name: string; externalId: string | null; members: string[] | undefined } {
  const name = text(scim.displayname, 'displayName')?.trim();
  if (!name) throw invalidValue('displayName is required');
  return { name, externalId: text(scim.externalid, 'externalId'), members: scim.members === undefined ? undefined : memberIds(scim.members) };
}
