import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { recordAudit } from '../audit/store.ts';
import { diff } from '../audit/rules.ts';
import type { CatalogTable, Db } from '../db/schema.ts';
import { uniqueViolationAs } from '../db/errors.ts';
import { actorOf, domainOf } from '../http/access.ts';
import { decodeCursor, encodeCursor, limitSchema, pageSchema, toPage } from '../http/paging.ts';
import { conflict, notFound } from '../http/problem.ts';
import type { Deps, Router } from '../deps.ts';
import { nameKey } from '../identifiers/normal-form.ts';
import { tag } from '../catalogs/schema.ts';

type Kind = 'tags' | 'skills';
const singular = { tags: 'tag', skills: 'skill' } as const;

const entryCreate = z.strictObject({ name: tag, description: z.string().trim().max(500).nullable().optional() });
const entryUpdate = entryCreate.partial();
const entryView = z.object({ name: z.string(), description: z.string().nullable(), createdAt: z.string(), updatedAt: z.string() });
const listQuery = z.strictObject({ limit: limitSchema, cursor: z.string().max(1000).optional() });
const toView = (row: CatalogTable) => ({ name: row.name, description: row.description, createdAt: row.created_at, updatedAt: row.updated_at });

export const findEntry = (db: Db, kind: Kind, domainId: string, name: string) =>
  db.selectFrom(kind).selectAll().where('domain_id', '=', domainId).where('name_key', '=', nameKey(name)).executeTakeFirst();

/** The same five routes for the domain's tags and for its skills, each addressed by name. */
export function catalogRoutes(router: Router, { db }: Deps, kind: Kind): void {
  const one = singular[kind];
  const taken = (name: string) => conflict(`${one}.exists`, `A ${one} named ${JSON.stringify(name)} already exists`, [{ path: 'name', code: `${one}.exists`, message: 'Already taken' }]);
  const mustFind = async (domainId: string, name: string) => {
    const entry = await findEntry(db, kind, domainId, name);
    if (!entry) throw notFound(`${one} ${JSON.stringify(name)}`);
    return entry;
  };
  const tags = [kind];
  const base = `/api/v1/domains/:domain/${kind}`;
  const params = z.object({ domain: z.string(), name: z.string() });

  router.get(base, {
    config: { access: { permission: 'catalogs:read' } },
    schema: { tags, summary: `The domain's ${kind}`, params: z.object({ domain: z.string() }), querystring: listQuery, response: { 200: pageSchema(entryView) } },
    handler: async (request) => {
      const { limit, cursor } = request.query;
      let query = db.selectFrom(kind).selectAll().where('domain_id', '=', domainOf(request).id).orderBy('name_key').limit(limit + 1);
      if (cursor) query = query.where('name_key', '>', String(decodeCursor(cursor)[0]));
      return toPage(await query.execute(), limit, toView, (row) => encodeCursor(row.name_key, row.id));
    },
  });

  router.post(base, {
    config: { access: { permission: 'catalogs:manage' } },
    schema: { tags, summary: `Add a ${one}`, params: z.object({ domain: z.string() }), body: entryCreate, response: { 201: entryView } },
    handler: async (request, reply) => {
      const domain = domainOf(request);
      if (await findEntry(db, kind, domain.id, request.body.name)) throw taken(request.body.name);
      const now = new Date().toISOString();
      const row: CatalogTable = { id: randomUUID(), domain_id: domain.id, name: request.body.name, name_key: nameKey(request.body.name), description: request.body.description ?? null, created_at: now, updated_at: now };
      await db.transaction().execute(async (trx) => {
        await trx.insertInto(kind).values(row).execute();
        await recordAudit(trx, { domainId: domain.id, actor: actorOf(request), action: `${one}.created`, target: { type: one, id: row.name, name: row.name }, changes: diff(null, toView(row)) });
      }).catch(uniqueViolationAs(() => taken(row.name)));
      return reply.code(201).send(toView(row));
    },
  });

  router.patch(`${base}/:name`, {
    config: { access: { permission: 'catalogs:manage' } },
    schema: { tags, summary: `Rename or describe a ${one}`, params, body: entryUpdate, response: { 200: entryView } },
    handler: async (request) => {
      const domain = domainOf(request);
      const entry = await mustFind(domain.id, request.params.name);
      const name = request.body.name ?? entry.name;
      if (nameKey(name) !== entry.name_key && (await findEntry(db, kind, domain.id, name))) throw taken(name);
      const next: CatalogTable = { ...entry, name, name_key: nameKey(name), description: request.body.description === undefined ? entry.description : request.body.description, updated_at: new Date().toISOString() };
      await db.transaction().execute(async (trx) => {
        await trx.updateTable(kind).set({ name: next.name, name_key: next.name_key, description: next.description, updated_at: next.updated_at }).where('id', '=', entry.id).execute();
        // Users carry their tags by name: a renamed tag is renamed on them too.
        if (kind === 'tags' && next.name !== entry.name) {
          await trx.updateTable('user_tags').set({ tag: next.name }).where('domain_id', '=', domain.id).where('tag', '=', entry.name).execute();
        }
        await recordAudit(trx, { domainId: domain.id, actor: actorOf(request), action: `${one}.updated`, target: { type: one, id: next.name, name: next.name }, changes: diff(toView(entry), toView(next)) });
      }).catch(uniqueViolationAs(() => taken(name)));
      return toView(next);
    },
  });

  router.delete(`${base}/:name`, {
    config: { access: { permission: 'catalogs:manage' } },
    schema: { tags, summary: `Remove a ${one} nobody carries`, params, response: { 204: z.null() } },
    handler: async (request, reply) => {
      const domain = domainOf(request);
      const entry = await mustFind(domain.id, request.params.name);
      await db.transaction().execute(async (trx) => {
        const carried =
          kind === 'tags'
            ? await trx.selectFrom('user_tags').select('user_id').where('domain_id', '=', domain.id).where('tag', '=', entry.name).limit(1).executeTakeFirst()
            : await trx.selectFrom('agent_skills').select('user_id').where('skill_id', '=', entry.id).limit(1).executeTakeFirst();
        if (carried) throw conflict(`${one}.in_use`, `Users carry the ${one} ${entry.name}; take it off them first`);
        await trx.deleteFrom(kind).where('id', '=', entry.id).execute();
        await recordAudit(trx, { domainId: domain.id, actor: actorOf(request), action: `${one}.deleted`, target: { type: one, id: entry.name, name: entry.name }, changes: diff(toView(entry), null) });
      });
      return reply.code(204).send(null);
    },
  });
}
