import { z } from 'zod';
import { uniqueViolationAs } from '../db/errors.ts';
import { recordAudit } from '../audit/store.ts';
import { diff } from '../audit/rules.ts';
import { actorOf, domainOf } from '../http/access.ts';
import { decodeCursor, encodeCursor, limitSchema, pageSchema, toPage } from '../http/paging.ts';
import { conflict, forbidden, notFound } from '../http/problem.ts';
import type { Deps, Router } from '../deps.ts';
import { permissionsBeyondActor } from '../permissions/rules.ts';
import { ADMIN_ROLE } from './builtin.ts';
import { roleCreate, roleParams, roleResponse, roleUpdate } from './schema.ts';
import { deleteRole, findRole, insertRole, listRoles, roleUsage, toRoleView, updateRole } from './store.ts';
import { nameKey } from '../identifiers/normal-form.ts';

const tags = ['roles'];
const domainParams = z.object({ domain: z.string() });
const listQuery = z.strictObject({ limit: limitSchema, cursor: z.string().max(1000).optional() });
const nameTaken = (name: string) =>
  conflict('role.exists', `A role named ${JSON.stringify(name)} already exists`, [{ path: 'name', code: 'role.exists', message: 'Already taken' }]);

export function roleRoutes(router: Router, { db }: Deps): void {
  router.get('/api/v1/domains/:domain/roles', {
    config: { access: { permission: 'roles:read' } },
    schema: { tags, summary: 'List roles', params: domainParams, querystring: listQuery, response: { 200: pageSchema(roleResponse) } },
    handler: async (request) => {
      const { limit, cursor } = request.query;
      const rows = await listRoles(db, domainOf(request).id, cursor ? String(decodeCursor(cursor)[0]) : undefined, limit);
      return toPage(rows, limit, toRoleView, (r) => encodeCursor(r.name_key, r.id));
    },
  });

  router.get('/api/v1/domains/:domain/roles/:name', {
    config: { access: { permission: 'roles:read' } },
    schema: { tags, summary: 'Read a role', params: roleParams, response: { 200: roleResponse } },
    handler: async (request) => toRoleView(await mustFind(request.params.name, domainOf(request).id)),
  });

  router.post('/api/v1/domains/:domain/roles', {
    config: { access: { permission: 'roles:create' } },
    schema: { tags, summary: 'Create a role', params: domainParams, body: roleCreate, response: { 201: roleResponse } },
    handler: async (request, reply) => {
      const actor = actorOf(request);
      const domain = domainOf(request);
      const input = request.body;
      assertMayGrant(actor, input.permissions);
      if (await findRole(db, domain.id, input.name)) throw nameTaken(input.name);
      const role = await db
        .transaction()
        .execute(async (trx) => {
          const created = await insertRole(trx, domain.id, {
            name: input.name,
            description: input.description ?? null,
            permissions: input.permissions,
            requireTwoFactor: input.requireTwoFactor,
          });
          await recordAudit(trx, {
            domainId: domain.id,
            actor,
            action: 'role.created',
            target: { type: 'role', id: created.name, name: created.name },
            changes: diff(null, input),
          });
          return created;
        })
        .catch(uniqueViolationAs(() => nameTaken(input.name)));
      return reply.code(201).send(toRoleView(role));
    },
  });

  router.patch('/api/v1/domains/:domain/roles/:name', {
    config: { access: { permission: 'roles:update' } },
    schema: { tags, summary: 'Change a role', params: roleParams, body: roleUpdate, response: { 200: roleResponse } },
    handler: async (request) => {
      const actor = actorOf(request);
      const domain = domainOf(request);
      const role = await mustFind(request.params.name, domain.id);
      const before = toRoleView(role);
      if (nameKey(role.name) === ADMIN_ROLE && role.builtin)
        throw forbidden('The admin role always holds every permission of the domain and cannot be changed');
      const change = request.body;
      if (role.builtin && change.name !== undefined && change.name !== role.name) throw forbidden('Built-in roles keep their names');
      const next = {
        name: change.name ?? role.name,
        description: change.description === undefined ? role.description : change.description,
        permissions: change.permissions ?? before.permissions,
        requireTwoFactor: change.requireTwoFactor ?? before.requireTwoFactor,
      };
      assertMayGrant(
        actor,
        next.permissions.filter((p) => !before.permissions.includes(p)),
      );
      if (nameKey(next.name) !== role.name_key && (await findRole(db, domain.id, next.name))) throw nameTaken(next.name);
      const updated = await db
        .transaction()
        .execute(async (trx) => {
          const saved = await updateRole(trx, role, next);
          await recordAudit(trx, {
            domainId: domain.id,
            actor,
            action: 'role.updated',
            target: { type: 'role', id: saved.name, name: saved.name },
            changes: diff(before, toRoleView(saved)),
          });
          return saved;
        })
        .catch(uniqueViolationAs(() => nameTaken(next.name)));
      return toRoleView(updated);
    },
  });

  router.delete('/api/v1/domains/:domain/roles/:name', {
    config: { access: { permission: 'roles:delete' } },
    schema: { tags, summary: 'Delete a role nobody holds', params: roleParams, response: { 204: z.null() } },
    handler: async (request, reply) => {
      const actor = actorOf(request);
      const domain = domainOf(request);
      const role = await mustFind(request.params.name, domain.id);
      if (role.builtin) throw forbidden('Built-in roles cannot be deleted');
      const usage = await roleUsage(db, role.id);
      if (usage.users + usage.groups > 0) {
        throw conflict('role.in_use', `The role is held by ${usage.users} user(s) and granted by ${usage.groups} group(s); take it away from them first`);
      }
      await db.transaction().execute(async (trx) => {
        await deleteRole(trx, role.id);
        await recordAudit(trx, {
          domainId: domain.id,
          actor,
          action: 'role.deleted',
          target: { type: 'role', id: role.name, name: role.name },
          changes: diff(toRoleView(role), null),
        });
      });
      return reply.code(204).send(null);
    },
  });

  async function mustFind(name: string, domainId: string) {
    const role = await findRole(db, domainId, name);
    if (!role) throw notFound(`Role ${JSON.stringify(name)}`);
    return role;
  }
}

function assertMayGrant(actor: Parameters<typeof permissionsBeyondActor>[0], permissions: string[]) {
  const beyond = permissionsBeyondActor(actor, permissions);
  if (beyond.length) throw forbidden(`You cannot grant permissions you do not hold: ${beyond.join(', ')}`);
}
