import { z } from 'zod';
import { actorOf, domainOf } from '../http/access.ts';
import { decodeCursor, encodeCursor, limitSchema, pageSchema, toPage } from '../http/paging.ts';
import type { Deps, Router } from '../deps.ts';
import { changeLicense, createLicense, licenses, removeLicense } from './commands.ts';
import { licenseCreate, licenseUpdate, licenseView } from './schema.ts';
import { listLicenses, toLicenseView } from './store.ts';

const tags = ['licenses'];
const domainParams = z.object({ domain: z.string() });
const licenseParams = z.object({ domain: z.string(), name: z.string() });
const listQuery = z.strictObject({ limit: limitSchema, cursor: z.string().max(1000).optional() });

export function licenseRoutes(router: Router, { db }: Deps): void {
  router.get('/api/v1/domains/:domain/licenses', {
    config: { access: { permission: 'licenses:read' } },
    schema: {
      tags,
      summary: 'Licensed products with seats, used and free',
      params: domainParams,
      querystring: listQuery,
      response: { 200: pageSchema(licenseView) },
    },
    handler: async (request) => {
      const { limit, cursor } = request.query;
      const rows = await listLicenses(db, domainOf(request).id, cursor ? String(decodeCursor(cursor)[0]) : undefined, limit);
      return toPage(
        rows,
        limit,
        (r) => toLicenseView(r),
        (r) => encodeCursor(r.name_key, r.id),
      );
    },
  });

  router.get('/api/v1/domains/:domain/licenses/:name', {
    config: { access: { permission: 'licenses:read' } },
    schema: { tags, summary: 'A licensed product', params: licenseParams, response: { 200: licenseView } },
    handler: async (request) => toLicenseView(await licenses.mustFind(db, domainOf(request).id, request.params.name)),
  });

  router.post('/api/v1/domains/:domain/licenses', {
    config: { access: { permission: 'licenses:manage' } },
    schema: { tags, summary: 'Add a licensed product', params: domainParams, body: licenseCreate, response: { 201: licenseView } },
    handler: async (request, reply) => {
      const license = await createLicense(db, actorOf(request), domainOf(request), request.body);
      return reply.code(201).send(toLicenseView(license));
    },
  });

  router.patch('/api/v1/domains/:domain/licenses/:name', {
    config: { access: { permission: 'licenses:manage' } },
    schema: {
      tags,
      summary: 'Change a licensed product: seats (never below those in use), expiry, name',
      params: licenseParams,
      body: licenseUpdate,
      response: { 200: licenseView },
    },
    handler: async (request) => toLicenseView(await changeLicense(db, actorOf(request), domainOf(request), request.params.name, request.body)),
  });

  router.delete('/api/v1/domains/:domain/licenses/:name', {
    config: { access: { permission: 'licenses:manage' } },
    schema: { tags, summary: 'Remove a licensed product nobody holds', params: licenseParams, response: { 204: z.null() } },
    handler: async (request, reply) => {
      await removeLicense(db, actorOf(request), domainOf(request), request.params.name);
      return reply.code(204).send(null);
    },
  });
}
