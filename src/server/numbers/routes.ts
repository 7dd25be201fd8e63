import { z } from 'zod';
import { actorOf, domainOf } from '../http/access.ts';
import { decodeCursor, encodeCursor, pageSchema, toPage } from '../http/paging.ts';
import type { Deps, Router } from '../deps.ts';
import { changeNumber, createNumber, removeNumber } from './commands.ts';
import { numberCreate, numberListQuery, numberUpdate, numberView } from './schema.ts';
import { listNumbers, toNumberView } from './store.ts';

const tags = ['numbers'];
const domainParams = z.object({ domain: z.string() });
const numberParams = z.object({ domain: z.string(), value: z.string() });

export function numberRoutes(router: Router, { db }: Deps): void {
  router.get('/api/v1/domains/:domain/numbers', {
    config: { access: { permission: 'numbers:read' } },
    schema: {
      tags,
      summary: "The domain's numbers and SMS sender IDs",
      params: domainParams,
      querystring: numberListQuery,
      response: { 200: pageSchema(numberView) },
    },
    handler: async (request) => {
      const { capability, limit, cursor } = request.query;
      const rows = await listNumbers(db, domainOf(request).id, { capability, limit, after: cursor ? String(decodeCursor(cursor)[0]) : undefined });
      return toPage(rows, limit, toNumberView, (row) => encodeCursor(row.value, row.id));
    },
  });

  router.post('/api/v1/domains/:domain/numbers', {
    config: { access: { permission: 'numbers:manage' } },
    schema: {
      tags,
      summary: 'Add a number (E.164, voice and/or SMS) or an alphanumeric SMS sender ID',
      params: domainParams,
      body: numberCreate,
      response: { 201: numberView },
    },
    handler: async (request, reply) => {
      const row = await createNumber(db, actorOf(request), domainOf(request), request.body);
      return reply.code(201).send(toNumberView(row));
    },
  });

  router.patch('/api/v1/domains/:domain/numbers/:value', {
    config: { access: { permission: 'numbers:manage' } },
    schema: { tags, summary: "Change a number's capabilities or description", params: numberParams, body: numberUpdate, response: { 200: numberView } },
    handler: async (request) => toNumberView(await changeNumber(db, actorOf(request), domainOf(request), request.params.value, request.body)),
  });

  router.delete('/api/v1/domains/:domain/numbers/:value', {
    config: { access: { permission: 'numbers:manage' } },
    schema: { tags, summary: 'Remove a number or sender ID from the inventory', params: numberParams, response: { 204: z.null() } },
    handler: async (request, reply) => {
      await removeNumber(db, actorOf(request), domainOf(request), request.params.value);
      return reply.code(204).send(null);
    },
  });
}
