import type { Db, GroupsTable } from '../db/schema.ts';
import { readUser } from '../users/commands.ts';
import type { UserView } from '../users/schema.ts';
import { toUserViews } from '../users/store.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import { notFound } from '../http/problem.ts';
import { project, projectionOf, wants } from './attributes.ts';
import { invalidValue } from './errors.ts';
import { parseFilter } from './filter.ts';
import { groupResource } from './group-mapping.ts';
import { LIST_SCHEMA, limits, type ScimObject } from './schema.ts';
import { findGroup, groupColumnMapping, groupIdsByName, groupPage, membersOf, userColumnMapping, userPage, type Window } from './store.ts';
import { userResource } from './user-mapping.ts';
import type { ColumnMapping } from './filter-sql.ts';

/** Where a SCIM request reads: the domain and the service's base URL for locations. */
export interface ReadContext {
  db: Db;
  domain: DomainRecord;
  base: string;
}

export interface ListQuery {
  filter?: string;
  sortBy?: string;
  sortOrder?: string;
  startIndex?: string;
  count?: string;
  attributes?: string;
  excludedAttributes?: string;
}

const integer = (text: string | undefined, name: string): number | undefined => {
  if (text === undefined || text === '') return undefined;
  if (!/^-?\d{1,9}$/.test(text.trim())) throw invalidValue(`${name} must be an integer`);
  return Number(text);
};

/** RFC 7644 §3.4.2: startIndex below 1 is 1; count below 0 is 0, above maxResults is maxResults. */
function windowOf(query: ListQuery, mapping: ColumnMapping): Window {
  const startIndex = Math.max(1, integer(query.startIndex, 'startIndex') ?? 1);
  const count = Math.min(limits.maxResults, Math.max(0, integer(query.count, 'count') ?? limits.defaultCount));
  const sortBy = query.sortBy
    ?.trim()
    .toLowerCase()
    .replace(/^urn:.*:/, '');
  const target = sortBy ? mapping[sortBy] : undefined;
  const sortColumn = target && 'column' in target ? target.column : undefined;
  if (sortBy && !sortColumn) throw invalidValue(`Cannot sort by ${query.sortBy}`);
  const order = query.sortOrder?.toLowerCase();
  if (order !== undefined && order !== 'ascending' && order !== 'descending') throw invalidValue('sortOrder is ascending or descending');
  return {
    ...(query.filter?.trim() ? { filter: parseFilter(query.filter) } : {}),
    ...(sortColumn ? { sortColumn } : {}),
    descending: order === 'descending',
    offset: startIndex - 1,
    count,
  };
}

const listResponse = (total: number, window: Window, resources: ScimObject[]) => ({
  schemas: [LIST_SCHEMA],
  totalResults: total,
  startIndex: window.offset + 1,
  itemsPerPage: resources.length,
  Resources: resources,
});

/** Users as SCIM answers them, with their groups by id. */
export async function userResources(context: ReadContext, users: UserView[]): Promise<ScimObject[]> {
  const groupIds = await groupIdsByName(
    context.db,
    context.domain.id,
    users.flatMap((u) => u.groups),
  );
  return users.map((user) => userResource(user, { base: context.base, groupIds }));
}

export async function listUsers(context: ReadContext, query: ListQuery) {
  const window = windowOf(query, userColumnMapping(context.domain.id));
  const page = await userPage(context.db, context.domain.id, window);
  const resources = await userResources(context, await toUserViews(context.db, context.domain, page.rows));
  const projection = projectionOf(query);
  return listResponse(
    page.total,
    window,
    resources.map((r) => project(r, projection)),
  );
}

/** A live user; a deleted one is gone for SCIM (RFC 7644 §3.6: read after DELETE is 404). */
export async function liveUser(context: ReadContext, id: string): Promise<UserView> {
  return readUser(context.db, context.domain, id, { deleted: false });
}

export async function readUserResource(context: ReadContext, id: string, query: ListQuery): Promise<ScimObject> {
  const [resource] = await userResources(context, [await liveUser(context, id)]);
  return project(resource as ScimObject, projectionOf(query));
}

export async function liveGroup(context: ReadContext, id: string): Promise<GroupsTable> {
  const group = await findGroup(context.db, context.domain.id, id);
  if (!group) throw notFound('Group');
  return group;
}

/** Groups as SCIM answers them; members are read only when the answer carries them. */
export async function groupResources(context: ReadContext, groups: GroupsTable[], query: ListQuery): Promise<ScimObject[]> {
  const projection = projectionOf(query);
  const members = wants(projection, 'members')
    ? await membersOf(
        context.db,
        groups.map((g) => g.id),
      )
    : undefined;
  return groups.map((g) => project(groupResource(g, members?.get(g.id), context.base), projection));
}

export async function listGroups(context: ReadContext, query: ListQuery) {
  const window = windowOf(query, groupColumnMapping);
  const page = await groupPage(context.db, context.domain.id, window);
  return listResponse(page.total, window, await groupResources(context, page.rows, query));
}
