import { z } from 'zod';
import { namedPage } from '../catalogs/store.ts';
import { actorOf, domainOf } from '../http/access.ts';
import { encodeCursor, limitSchema, pageSchema, toPage } from '../http/paging.ts';
import type { Deps, Router } from '../deps.ts';
import { changeRole, createRole, removeRole, roles } from './commands.ts';
import { roleCreate, roleParams, roleResponse, roleUpdate } from './schema.ts';
import { toRoleView } from './store.ts';

const tags = ['roles'];
const domainParams = z.object({ domain: z.string() });
const listQuery = z.strictObject({ limit: limitSchema, cursor: z.string().max(1000).optional() });

export function roleRoutes(router: Router, { db }: Deps): void {
  router.get('/api/v1/domains/:domain/roles', {
    config: { access: { permission: 'roles:read' } },
    schema: { tags, summary: 'List roles', params: domainParams, querystring: listQuery, response: { 200: pageSchema(roleResponse) } },
    handler: async (request) => {
      const { limit, cursor } = request.query;
      const rows = await namedPage(db, 'roles', domainOf(request).id, cursor, limit);
      return toPage(rows, limit, toRoleView, (r) => encodeCursor(r.name_key, r.id));
    },
  });

  router.get('/api/v1/domains/:domain/roles/:name', {
    config: { access: { permission: 'roles:read' } },
    schema: { tags, summary: 'Read a role', params: roleParams, response: { 200: roleResponse } },
    handler: async (request) => toRoleView(await roles.mustFind(db, domainOf(request).id, request.params.name)),
  });

  router.post('/api/v1/domains/:domain/roles', {
    config: { access: { permission: 'roles:create' } },
    schema: { tags, summary: 'Create a role', params: domainParams, body: roleCreate, response: { 201: roleResponse } },
    handler: async (request, reply) => {
      const role = await createRole(db, actorOf(request), domainOf(request), request.body);
      return reply.code(201).send(toRoleView(role));
    },
  });

  router.patch('/api/v1/domains/:domain/roles/:name', {
    config: { access: { permission: 'roles:update' } },
    schema: { tags, summary: 'Change a role', params: roleParams, body: roleUpdate, response: { 200: roleResponse } },
    handler: async (request) => toRoleView(await changeRole(db, actorOf(request), domainOf(request), request.params.name, request.body)),
  });

  router.delete('/api/v1/domains/:domain/roles/:name', {
    config: { access: { permission: 'roles:delete' } },
    schema: { tags, summary: 'Delete a role nobody holds', params: roleParams, response: { 204: z.null() } },
    handler: async (request, reply) => {
      await removeRole(db, actorOf(request), domainOf(request), request.params.name);
      return reply.code(204).send(null);
    },
  });
}
