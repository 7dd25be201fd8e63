import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { recordAudit } from '../audit/store.ts';
import { diff } from '../audit/rules.ts';
import type { Database } from '../db/schema.ts';
import { uniqueViolationAs } from '../db/errors.ts';
import { actorOf, domainOf } from '../http/access.ts';
import { conflict, notFound } from '../http/problem.ts';
import type { Deps, Router } from '../deps.ts';
import { nameKey } from '../identifiers/normal-form.ts';
import { MAX_NO_ANSWER_REASON } from './rules.ts';
import { pauseReasonInput, pauseReasonView } from './schema.ts';

type Row = Database['pause_reasons'];
const tags = ['presence'];
const toView = (r: Row) => ({ name: r.name, description: r.description, maxDuration: r.max_duration });
const params = z.object({ domain: z.string(), name: z.string() });
const taken = (name: string) => conflict('pause_reason.exists', `A pause reason named ${JSON.stringify(name)} already exists`, [{ path: 'name', code: 'pause_reason.exists', message: 'Already taken' }]);
const reserved = (name: string) =>
  nameKey(name) === MAX_NO_ANSWER_REASON ? conflict('pause_reason.reserved', `${MAX_NO_ANSWER_REASON} is the system's reason for agents that missed too many offers`) : null;

/** The domain's catalog of pause reasons (lunch, training, …), each with an optional maximum duration. */
export function pauseReasonRoutes(router: Router, { db }: Deps): void {
  const base = '/api/v1/domains/:domain/pause-reasons';
  const mustFind = async (domainId: string, name: string) => {
    const row = await db.selectFrom('pause_reasons').selectAll().where('domain_id', '=', domainId).where('name_key', '=', nameKey(name)).executeTakeFirst();
    if (!row) throw notFound(`Pause reason ${JSON.stringify(name)}`);
    return row;
  };

  router.get(base, {
    config: { access: { permission: 'catalogs:read' } },
    schema: { tags, summary: "The domain's pause reasons", params: z.object({ domain: z.string() }), response: { 200: z.object({ items: z.array(pauseReasonView) }) } },
    handler: async (request) => ({ items: (await db.selectFrom('pause_reasons').selectAll().where('domain_id', '=', domainOf(request).id).orderBy('name_key').execute()).map(toView) }),
  });

  router.post(base, {
    config: { access: { permission: 'catalogs:manage' } },
    schema: { tags, summary: 'Add a pause reason', params: z.object({ domain: z.string() }), body: pauseReasonInput, response: { 201: pauseReasonView } },
    handler: async (request, reply) => {
      const domain = domainOf(request);
      const input = request.body;
      const refused = reserved(input.name);
      if (refused) throw refused;
      const now = new Date().toISOString();
      const row: Row = { id: randomUUID(), domain_id: domain.id, name: input.name, name_key: nameKey(input.name), description: input.description ?? null, max_duration: input.maxDuration ?? null, created_at: now, updated_at: now };
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('pause_reasons').values(row).execute();
        await recordAudit(trx, { domainId: domain.id, actor: actorOf(request), action: 'pause_reason.created', target: { type: 'pause_reason', id: row.name, name: row.name }, changes: diff(null, toView(row)) });
      }).catch(uniqueViolationAs(() => taken(row.name)));
      return reply.code(201).send(toView(row));
    },
  });

  router.patch(`${base}/:name`, {
    config: { access: { permission: 'catalogs:manage' } },
    schema: { tags, summary: 'Change a pause reason', params, body: pauseReasonInput.partial(), response: { 200: pauseReasonView } },
    handler: async (request) => {
      const domain = domainOf(request);
      const row = await mustFind(domain.id, request.params.name);
      const change = request.body;
      const refused = change.name ? reserved(change.name) : null;
      if (refused) throw refused;
      const next: Row = {
        ...row,
        name: change.name ?? row.name,
        name_key: nameKey(change.name ?? row.name),
        description: change.description === undefined ? row.description : change.description,
        max_duration: change.maxDuration === undefined ? row.max_duration : change.maxDuration,
        updated_at: new Date().toISOString(),
      };
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('pause_reasons').set({ name: next.name, name_key: next.name_key, description: next.description, max_duration: next.max_duration, updated_at: next.updated_at }).where('id', '=', row.id).execute();
        await recordAudit(trx, { domainId: domain.id, actor: actorOf(request), action: 'pause_reason.updated', target: { type: 'pause_reason', id: next.name, name: next.name }, changes: diff(toView(row), toView(next)) });
      }).catch(uniqueViolationAs(() => taken(next.name)));
      return toView(next);
    },
  });

  router.delete(`${base}/:name`, {
    config: { access: { permission: 'catalogs:manage' } },
    schema: { tags, summary: 'Remove a pause reason (agents on it keep it until they change status)', params, response: { 204: z.null() } },
    handler: async (request, reply) => {
      const domain = domainOf(request);
      const row = await mustFind(domain.id, request.params.name);
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('pause_reasons').where('id', '=', row.id).execute();
        await recordAudit(trx, { domainId: domain.id, actor: actorOf(request), action: 'pause_reason.deleted', target: { type: 'pause_reason', id: row.name, name: row.name }, changes: diff(toView(row), null) });
      });
      return reply.code(204).send(null);
    },
  });
}
