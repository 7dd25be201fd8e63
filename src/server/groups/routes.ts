import { z } from 'zod';
import { recordAudit } from '../audit/store.ts';
import { diff } from '../audit/rules.ts';
import { uniqueViolationAs } from '../db/errors.ts';
import { actorOf, domainOf, type Actor } from '../http/access.ts';
import { decodeCursor, encodeCursor, limitSchema, pageSchema, toPage } from '../http/paging.ts';
import { conflict, forbidden, invalid, notFound } from '../http/problem.ts';
import type { Deps, Router } from '../deps.ts';
import type { Db } from '../db/schema.ts';
import { keepingAnAdministrator } from '../roles/administrators.ts';
import { resolveRoles } from '../roles/store.ts';
import { nameKey } from '../identifiers/normal-form.ts';
import { permissionsBeyondActor } from '../permissions/rules.ts';
import { findUserRow, touchUser } from '../users/store.ts';
import { type GroupView, groupCreate, groupParams, groupResponse, groupUpdate, memberParams } from './schema.ts';
import { addMember, deleteGroup, findGroup, insertGroup, listGroups, removeMember, toGroupViews, updateGroup } from './store.ts';

const tags = ['groups'];
const domainParams = z.object({ domain: z.string() });
const listQuery = z.strictObject({ limit: limitSchema, cursor: z.string().max(1000).optional() });
const nameTaken = (name: string) =>
  conflict('group.exists', `A group named ${JSON.stringify(name)} already exists`, [{ path: 'name', code: 'group.exists', message: 'Already taken' }]);
export function groupRoutes(router: Router, { db }: Deps): void {
  const view = async (group: Parameters<typeof toGroupViews>[1][number]) => (await toGroupViews(db, [group]))[0] as GroupView;

  router.get('/api/v1/domains/:domain/groups', {
    config: { access: { permission: 'groups:read' } },
    schema: { tags, summary: 'List user groups', params: domainParams, querystring: listQuery, response: { 200: pageSchema(groupResponse) } },
    handler: async (request) => {
      const { limit, cursor } = request.query;
      const rows = await listGroups(db, domainOf(request).id, cursor ? String(decodeCursor(cursor)[0]) : undefined, limit);
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
    handler: async (request) => view(await mustFind(db, domainOf(request).id, request.params.name)),
  });

  router.post('/api/v1/domains/:domain/groups', {
    config: { access: { permission: 'groups:create' } },
    schema: { tags, summary: 'Create a user group', params: domainParams, body: groupCreate, response: { 201: groupResponse } },
    handler: async (request, reply) => {
      const actor = actorOf(request);
      const domain = domainOf(request);
      const input = request.body;
      const roleIds = await rolesOrThrow(db, domain.id, input.roles);
      await assertMayGrantRoles(db, actor, roleIds);
      if (await findGroup(db, domain.id, input.name)) throw nameTaken(input.name);
      const group = await db
        .transaction()
        .execute(async (trx) => {
          const created = await insertGroup(trx, domain.id, { name: input.name, description: input.description ?? null }, roleIds);
          await recordAudit(trx, {
            domainId: domain.id,
            actor,
            action: 'group.created',
            target: { type: 'group', id: created.name, name: created.name },
            changes: diff(null, input),
          });
          return created;
        })
        .catch(uniqueViolationAs(() => nameTaken(input.name)));
      return reply.code(201).send(await view(group));
    },
  });

  router.patch('/api/v1/domains/:domain/groups/:name', {
    config: { access: { permission: 'groups:update' } },
    schema: { tags, summary: 'Change a user group and the roles it grants', params: groupParams, body: groupUpdate, response: { 200: groupResponse } },
    handler: async (request) => {
      const actor = actorOf(request);
      const domain = domainOf(request);
      const group = await mustFind(db, domain.id, request.params.name);
      const before = await view(group);
      const change = request.body;
      const roleIds = change.roles ? await rolesOrThrow(db, domain.id, change.roles) : undefined;
      if (roleIds) await assertMayGrantRoles(db, actor, roleIds, await rolesOrThrow(db, domain.id, before?.roles ?? []));
      const next = { name: change.name ?? group.name, description: change.description === undefined ? group.description : change.description };
      if (nameKey(next.name) !== group.name_key && (await findGroup(db, domain.id, next.name))) throw nameTaken(next.name);
      const updated = await db
        .transaction()
        .execute((trx) =>
          keepingAnAdministrator(trx, domain.id, async () => {
            const saved = await updateGroup(trx, group, next, roleIds);
            const after = await toGroupViews(trx, [saved]);
            await recordAudit(trx, {
              domainId: domain.id,
              actor,
              action: 'group.updated',
              target: { type: 'group', id: saved.name, name: saved.name },
              changes: diff(before ?? null, after[0] ?? null),
            });
            return saved;
          }),
        )
        .catch(uniqueViolationAs(() => nameTaken(next.name)));
      return view(updated);
    },
  });

  router.delete('/api/v1/domains/:domain/groups/:name', {
    config: { access: { permission: 'groups:delete' } },
    schema: { tags, summary: 'Delete a user group (its members stay, without it)', params: groupParams, response: { 204: z.null() } },
    handler: async (request, reply) => {
      const actor = actorOf(request);
      const domain = domainOf(request);
      const group = await mustFind(db, domain.id, request.params.name);
      const before = await view(group);
      await db.transaction().execute((trx) =>
        keepingAnAdministrator(trx, domain.id, async () => {
          const members = await trx.selectFrom('user_groups').select('user_id').where('group_id', '=', group.id).execute();
          await deleteGroup(trx, group.id);
          for (const { user_id } of members) await touchUser(trx, user_id);
          await recordAudit(trx, {
            domainId: domain.id,
            actor,
            action: 'group.deleted',
            target: { type: 'group', id: group.name, name: group.name },
            changes: diff(before ?? null, null),
          });
        }),
      );
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

async function changeMembership(db: Db, actor: Actor, domain: { id: string }, params: { name: string; id: string }, how: 'add' | 'remove') {
  const group = await mustFind(db, domain.id, params.name);
  const user = await findUserRow(db, domain.id, params.id);
  if (!user || user.deleted_at) throw notFound('User');
  if (how === 'add') {
    const granted = await db.selectFrom('group_roles').select('role_id').where('group_id', '=', group.id).execute();
    await assertMayGrantRoles(
      db,
      actor,
      granted.map((g) => g.role_id),
    );
  }
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

async function mustFind(db: Db, domainId: string, name: string) {
  const group = await findGroup(db, domainId, name);
  if (!group) throw notFound(`Group ${JSON.stringify(name)}`);
  return group;
}

async function rolesOrThrow(db: Db, domainId: string, names: string[]): Promise<string[]> {
  const { ids, missing } = await resolveRoles(db, domainId, names);
  if (missing.length)
    throw invalid(
      missing.map(({ name, index }) => ({ path: `roles/${index}`, code: 'role.unknown', message: `No role named ${JSON.stringify(name)} in this domain` })),
    );
  return ids;
}

/** A group hands its roles to its members, so only roles within the actor's own reach may be put on it. */
async function assertMayGrantRoles(db: Db, actor: Actor, roleIds: string[], alreadyGranted: string[] = []) {
  const added = roleIds.filter((id) => !alreadyGranted.includes(id));
  if (added.length === 0) return;
  const rows = await db.selectFrom('roles').select('permissions').where('id', 'in', added).execute();
  const beyond = permissionsBeyondActor(
    actor,
    rows.flatMap((r) => JSON.parse(r.permissions) as string[]),
  );
  if (beyond.length) throw forbidden(`You cannot grant permissions you do not hold: ${beyond.join(', ')}`);
}
