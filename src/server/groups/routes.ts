import { z } from 'zod';
import { namedPage } from '../catalogs/store.ts';
import { actorOf, domainOf } from '../http/access.ts';
import { encodeCursor, limitSchema, pageSchema, toPage } from '../http/paging.ts';
import type { Deps, Router } from '../deps.ts';
import { changeGroup, changeMembership, createGroup, groups, removeGroup } from './commands.ts';
import { groupCreate, groupParams, groupResponse, groupUpdate, memberParams } from './schema.ts';
import { toGroupView, toGroupViews } from './store.ts';

const tags = ['groups'];
const domainParams = z.object({ domain: z.string() });
const listQuery = z.strictObject({ limit: limitSchema, cursor: z.string().max(1000).optional() });

export function groupRoutes(router: Router, { db }: Deps): void {
  router.get('/api/v1/domains/:domain/groups', {
    config: { access: { permission: 'groups:read' } },
    schema: { tags, summary: 'List user groups', params: domainParams, querystring: listQuery, response: { 200: pageSchema(groupResponse) } },
    handler: async (request) => {
      const { limit, cursor } = request.query;
      const rows = await namedPage(db, 'groups', domainOf(request).id, cursor, limit);
      const page = toPage(
        rows,
        limit,
        (r) => r,
        (r) => encodeCursor(r.name_key, r.id),
      );
      return { items: await toGroupViews(db, page.items), nextCursor: page.nextCursor };
    },
  });

  router.get('/api/v1/domains/:domain/groups/:name', {
    config: { access: { permission: 'groups:read' } },
    schema: { tags, summary: 'Read a user group', params: groupParams, response: { 200: groupResponse } },
    handler: async (request) => toGroupView(db, await groups.mustFind(db, domainOf(request).id, request.params.name)),
  });

  router.post('/api/v1/domains/:domain/groups', {
    config: { access: { permission: 'groups:create' } },
    schema: { tags, summary: 'Create a user group', params: domainParams, body: groupCreate, response: { 201: groupResponse } },
    handler: async (request, reply) => {
      const group = await createGroup(db, actorOf(request), domainOf(request), request.body);
      return reply.code(201).send(await toGroupView(db, group));
    },
  });

  router.patch('/api/v1/domains/:domain/groups/:name', {
    config: { access: { permission: 'groups:update' } },
    schema: { tags, summary: 'Change a user group and the roles it grants', params: groupParams, body: groupUpdate, response: { 200: groupResponse } },
    handler: async (request) => toGroupView(db, await changeGroup(db, actorOf(request), domainOf(request), request.params.name, request.body)),
  });

  router.delete('/api/v1/domains/:domain/groups/:name', {
    config: { access: { permission: 'groups:delete' } },
    schema: { tags, summary: 'Delete a user group (its members stay, without it)', params: groupParams, response: { 204: z.null() } },
    handler: async (request, reply) => {
      await removeGroup(db, actorOf(request), domainOf(request), request.params.name);
      return reply.code(204).send(null);
    },
  });

  router.put('/api/v1/domains/:domain/groups/:name/members/:id', {
    config: { access: { permission: 'groups:update' } },
    schema: { tags, summary: 'Add a user to the group', params: memberParams, response: { 204: z.null() } },
    handler: async (request, reply) => {
      await changeMembership(db, actorOf(request), domainOf(request), request.params, 'add');
      return reply.code(204).send(null);
    },
  });

  router.delete('/api/v1/domains/:domain/groups/:name/members/:id', {
    config: { access: { permission: 'groups:update' } },
    schema: { tags, summary: 'Take a user out of the group', params: memberParams, response: { 204: z.null() } },
    handler: async (request, reply) => {
      await changeMembership(db, actorOf(request), domainOf(request), request.params, 'remove');
      return reply.code(204).send(null);
    },
  });
}
