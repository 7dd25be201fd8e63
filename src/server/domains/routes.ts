import { z } from 'zod';
import { recordAudit } from '../audit/store.ts';
import { diff } from '../audit/rules.ts';
import { uniqueViolationAs } from '../db/errors.ts';
import { actorOf } from '../http/access.ts';
import { decodeCursor, encodeCursor, limitSchema, pageSchema, toPage } from '../http/paging.ts';
import { conflict, forbidden, notFound } from '../http/problem.ts';
import type { Deps, Router } from '../deps.ts';
import { domainCreate, domainParams, domainResponse, domainUpdate } from './schema.ts';
import { deleteDomain, insertDomain, listDomains, toDomainView, updateDomain } from './store.ts';
import { findDomain } from '../tenancy/domain-record.ts';

const tags = ['domains'];
const listQuery = z.strictObject({ limit: limitSchema, cursor: z.string().max(1000).optional() });
const nameTaken = (name: string) => conflict('domain.exists', `A domain named ${JSON.stringify(name)} already exists`, [{ path: 'name', code: 'domain.exists', message: 'Already taken' }]);

/**
 * Domains are the platform's business: platform administrators create and manage them.
 * Changes to domains are written to the audit log of the administrator's own domain.
 */
export function domainRoutes(router: Router, { db }: Deps): void {
  router.get('/api/v1/domains', {
    config: { access: { permission: 'domains:read' } },
    schema: { tags, summary: 'List domains', querystring: listQuery, response: { 200: pageSchema(domainResponse) } },
    handler: async (request) => {
      const { limit, cursor } = request.query;
      const rows = await listDomains(db, cursor ? String(decodeCursor(cursor)[0]) : undefined, limit);
      return toPage(rows, limit, toDomainView, (d) => encodeCursor(d.name, d.id));
    },
  });

  router.get('/api/v1/domains/:domain', {
    config: { access: { permission: 'domains:read' } },
    schema: { tags, summary: 'Read a domain', params: domainParams, response: { 200: domainResponse } },
    handler: async (request) => toDomainView(await mustFind(request.params.domain)),
  });

  router.post('/api/v1/domains', {
    config: { access: { permission: 'domains:create' } },
    schema: { tags, summary: 'Create a domain with its built-in roles', body: domainCreate, response: { 201: domainResponse } },
    handler: async (request, reply) => {
      const actor = actorOf(request);
      const input = request.body;
      if (await findDomain(db, input.name)) throw nameTaken(input.name);
      const domain = await db.transaction().execute(async (trx) => {
        const created = await insertDomain(trx, input);
        await recordAudit(trx, { domainId: actor.domainId, actor, action: 'domain.created', target: { type: 'domain', id: created.name, name: created.name }, changes: diff(null, input) });
        return created;
      }).catch(uniqueViolationAs(() => nameTaken(input.name)));
      return reply.code(201).header('location', `/api/v1/domains/${domain.name}`).send(toDomainView(domain));
    },
  });

  router.patch('/api/v1/domains/:domain', {
    config: { access: { permission: 'domains:update' } },
    schema: { tags, summary: 'Change or deactivate a domain', params: domainParams, body: domainUpdate, response: { 200: domainResponse } },
    handler: async (request) => {
      const actor = actorOf(request);
      const domain = await mustFind(request.params.domain);
      if (domain.id === actor.domainId && request.body.active === false) throw forbidden('You cannot deactivate the domain you are signed in to');
      const updated = await db.transaction().execute(async (trx) => {
        const saved = await updateDomain(trx, domain, request.body);
        await recordAudit(trx, { domainId: actor.domainId, actor, action: 'domain.updated', target: { type: 'domain', id: domain.name, name: domain.name }, changes: diff(toDomainView(domain), toDomainView(saved)) });
        return saved;
      });
      return toDomainView(updated);
    },
  });

  router.delete('/api/v1/domains/:domain', {
    config: { access: { permission: 'domains:delete' } },
    schema: { tags, summary: 'Delete a domain and everything in it', params: domainParams, response: { 204: z.null() } },
    handler: async (request, reply) => {
      const actor = actorOf(request);
      const domain = await mustFind(request.params.domain);
      if (domain.id === actor.domainId) throw forbidden('You cannot delete the domain you are signed in to');
      await db.transaction().execute(async (trx) => {
        await deleteDomain(trx, domain);
        await recordAudit(trx, { domainId: actor.domainId, actor, action: 'domain.deleted', target: { type: 'domain', id: domain.name, name: domain.name }, changes: diff(toDomainView(domain), null) });
      });
      return reply.code(204).send(null);
    },
  });

  async function mustFind(name: string) {
    const domain = await findDomain(db, name);
    if (!domain) throw notFound(`Domain ${JSON.stringify(name)}`);
    return domain;
  }
}
