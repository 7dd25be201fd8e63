import { z } from 'zod';
import { userListQuery } from '../users/schema.ts';
import { actorOf, domainOf } from '../http/access.ts';
import type { Deps, Router } from '../deps.ts';
import { liveNarrowing, matchingUsers } from '../users/store.ts';
import { deleteUsersInBulk, editUsersInBulk, restoreUsersInBulk } from './commands.ts';
import { bulkDelete, bulkEdit, bulkEditResult, bulkResult, bulkTarget, MAX_BULK } from './schema.ts';

const tags = ['bulk'];
const params = z.object({ domain: z.string() });

export function bulkRoutes(router: Router, { db, passwords, cipher }: Deps): void {
  const guards = { passwords, cipher };
  router.post('/api/v1/domains/:domain/users/bulk-delete', {
    config: { access: { permission: 'users:delete' } },
    schema: {
      tags,
      summary: 'Delete many users (restorable), by ids or by the list filters',
      description: '`confirm` is the count you saw; when the users matching now are not that many, nothing is deleted and the 409 says how many there are.',
      params,
      body: bulkDelete,
      response: { 200: bulkResult },
    },
    handler: async (request) => {
      const { confirm, ...target } = request.body;
      return deleteUsersInBulk(db, actorOf(request), domainOf(request), target, confirm);
    },
  });

  router.post('/api/v1/domains/:domain/users/bulk', {
    config: { access: { permission: 'users:update' } },
    schema: {
      tags,
      summary: 'Edit many users at once: add or remove roles, groups, tags, skills; set fields',
      description: 'All or nothing: any problem with any user changes nobody, and every problem is listed. `preview` answers who would change.',
      params,
      body: bulkEdit,
      response: { 200: bulkEditResult },
    },
    handler: async (request) => editUsersInBulk(db, actorOf(request), domainOf(request), request.body, guards),
  });

  router.post('/api/v1/domains/:domain/users/bulk-restore', {
    config: { access: { permission: 'users:restore' } },
    schema: { tags, summary: 'Restore many deleted users, by ids or by the list filters', params, body: bulkTarget, response: { 200: bulkResult } },
    handler: async (request) => restoreUsersInBulk(db, actorOf(request), domainOf(request), request.body),
  });
}

/** How many users the list's filters match: the list's total, and what "all that match" takes in bulk. */
export function countRoutes(router: Router, { db, presence }: Deps): void {
  router.get('/api/v1/domains/:domain/users/count', {
    config: { access: { permission: 'users:read' } },
    schema: {
      tags,
      summary: 'How many users the list filters match, up to what a bulk operation takes',
      description: `The list's total, and "all that match" in bulk edit and delete: counted up to ${MAX_BULK}; \`more\` says there are more (a bulk operation would refuse them). The live filters (status, registered, online) narrow the count as they narrow the list; bulk operations do not take them.`,
      params,
      querystring: userListQuery.omit({ limit: true, cursor: true, sort: true }),
      response: { 200: z.object({ count: z.number().int(), more: z.boolean() }) },
    },
    handler: async (request) => {
      const domainId = domainOf(request).id;
      const found = await matchingUsers(db, domainId, request.query, MAX_BULK, await liveNarrowing(presence, domainId, request.query));
      return { count: Math.min(found.length, MAX_BULK), more: found.length > MAX_BULK };
    },
  });
}
