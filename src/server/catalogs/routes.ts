import { z } from 'zod';
import { actorOf, domainOf } from '../http/access.ts';
import { encodeCursor, limitSchema, pageSchema, toPage } from '../http/paging.ts';
import type { Deps, Router } from '../deps.ts';
import { changeEntry, createEntry, removeEntry, toEntryView, type EntryKind } from './commands.ts';
import { tag } from './schema.ts';
import { namedPage } from './store.ts';

const singular = { tags: 'tag', skills: 'skill' } as const;

const entryCreate = z.strictObject({ name: tag, description: z.string().trim().max(500).nullable().optional() });
const entryUpdate = entryCreate.partial();
const entryView = z.object({ name: z.string(), description: z.string().nullable(), createdAt: z.string(), updatedAt: z.string() });
const listQuery = z.strictObject({ limit: limitSchema, cursor: z.string().max(1000).optional() });

/** The same five routes for the domain's tags and for its skills, each addressed by name. */
export function catalogRoutes(router: Router, { db }: Deps, kind: EntryKind): void {
  const one = singular[kind];
  const tags = [kind];
  const base = `/api/v1/domains/:domain/${kind}`;
  const params = z.object({ domain: z.string(), name: z.string() });

  router.get(base, {
    config: { access: { permission: 'catalogs:read' } },
    schema: {
      tags,
      summary: `The domain's ${kind}`,
      params: z.object({ domain: z.string() }),
      querystring: listQuery,
      response: { 200: pageSchema(entryView) },
    },
    handler: async (request) => {
      const { limit, cursor } = request.query;
      const rows = await namedPage(db, kind, domainOf(request).id, cursor, limit);
      return toPage(rows, limit, toEntryView, (row) => encodeCursor(row.name_key, row.id));
    },
  });

  router.post(base, {
    config: { access: { permission: 'catalogs:manage' } },
    schema: { tags, summary: `Add a ${one}`, params: z.object({ domain: z.string() }), body: entryCreate, response: { 201: entryView } },
    handler: async (request, reply) => reply.code(201).send(toEntryView(await createEntry(db, actorOf(request), domainOf(request), kind, request.body))),
  });

  router.patch(`${base}/:name`, {
    config: { access: { permission: 'catalogs:manage' } },
    schema: { tags, summary: `Rename or describe a ${one}`, params, body: entryUpdate, response: { 200: entryView } },
    handler: async (request) => toEntryView(await changeEntry(db, actorOf(request), domainOf(request), kind, request.params.name, request.body)),
  });

  router.delete(`${base}/:name`, {
    config: { access: { permission: 'catalogs:manage' } },
    schema: { tags, summary: `Remove a ${one} nobody carries`, params, response: { 204: z.null() } },
    handler: async (request, reply) => {
      await removeEntry(db, actorOf(request), domainOf(request), kind, request.params.name);
      return reply.code(204).send(null);
    },
  });
}
