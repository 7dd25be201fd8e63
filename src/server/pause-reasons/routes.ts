import { z } from 'zod';
import { actorOf, domainOf } from '../http/access.ts';
import type { Deps, Router } from '../deps.ts';
import { changePauseReason, createPauseReason, removePauseReason } from './commands.ts';
import { pauseReasonInput, pauseReasonView } from './schema.ts';
import { listPauseReasons, toPauseReasonView } from './store.ts';

const tags = ['presence'];
const params = z.object({ domain: z.string(), name: z.string() });

/** The domain's catalog of pause reasons (lunch, training, …), each with an optional maximum duration. */
export function pauseReasonRoutes(router: Router, { db }: Deps): void {
  const base = '/api/v1/domains/:domain/pause-reasons';

  router.get(base, {
    config: { access: { permission: 'catalogs:read' } },
    schema: {
      tags,
      summary: "The domain's pause reasons",
      params: z.object({ domain: z.string() }),
      response: { 200: z.object({ items: z.array(pauseReasonView) }) },
    },
    handler: async (request) => ({ items: (await listPauseReasons(db, domainOf(request).id)).map(toPauseReasonView) }),
  });

  router.post(base, {
    config: { access: { permission: 'catalogs:manage' } },
    schema: { tags, summary: 'Add a pause reason', params: z.object({ domain: z.string() }), body: pauseReasonInput, response: { 201: pauseReasonView } },
    handler: async (request, reply) => reply.code(201).send(toPauseReasonView(await createPauseReason(db, actorOf(request), domainOf(request), request.body))),
  });

  router.patch(`${base}/:name`, {
    config: { access: { permission: 'catalogs:manage' } },
    schema: { tags, summary: 'Change a pause reason', params, body: pauseReasonInput.partial(), response: { 200: pauseReasonView } },
    handler: async (request) => toPauseReasonView(await changePauseReason(db, actorOf(request), domainOf(request), request.params.name, request.body)),
  });

  router.delete(`${base}/:name`, {
    config: { access: { permission: 'catalogs:manage' } },
    schema: { tags, summary: 'Remove a pause reason (agents on it keep it until they change status)', params, response: { 204: z.null() } },
    handler: async (request, reply) => {
      await removePauseReason(db, actorOf(request), domainOf(request), request.params.name);
      return reply.code(204).send(null);
    },
  });
}
