import { z } from 'zod';
import { actorOf } from '../http/access.ts';
import { decodeCursor, encodeCursor, limitSchema, pageSchema, toPage } from '../http/paging.ts';
import { forbidden, notFound } from '../http/problem.ts';
import type { Deps, Router } from '../deps.ts';
import { domainCreate, domainParams, domainResponse, domainUpdate } from './schema.ts';
import { changeDomain, createDomain, removeDomain } from './commands.ts';
import { listDomains, toDomainView } from './store.ts';
import { findDomain } from '../tenancy/domain-record.ts';

const tags = ['domains'];
const listQuery = z.strictObject({ limit: limitSchema, cursor: z.string().max(1000).optional() });

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
      const domain = await createDomain(db, actorOf(request), request.body);
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
      return toDomainView(await changeDomain(db, actor, domain, request.body));
    },
  });

  router.delete('/api/v1/domains/:domain', {
    config: { access: { permission: 'domains:delete' } },
    schema: { tags, summary: 'Delete a domain and everything in it', params: domainParams, response: { 204: z.null() } },
    handler: async (request, reply) => {
      const actor = actorOf(request);
      const domain = await mustFind(request.params.domain);
      if (domain.id === actor.domainId) throw forbidden('You cannot delete the domain you are signed in to');
      await removeDomain(db, actor, domain);
      return reply.code(204).send(null);
    },
  });

  async function mustFind(name: string) {
    const domain = await findDomain(db, name);
    if (!domain) throw notFound(`Domain ${JSON.stringify(name)}`);
    return domain;
  }
}
