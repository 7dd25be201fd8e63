import { z } from 'zod';
import { recordAudit } from '../audit/store.ts';
import { diff } from '../audit/rules.ts';
import type { Db } from '../db/schema.ts';
import { uniqueViolationAs } from '../db/errors.ts';
import { actorOf, domainOf } from '../http/access.ts';
import { decodeCursor, encodeCursor, limitSchema, pageSchema, toPage } from '../http/paging.ts';
import { conflict, notFound } from '../http/problem.ts';
import type { Deps, Router } from '../deps.ts';
import { nameKey } from '../identifiers/normal-form.ts';
import { findUserRow, touchUser } from '../users/store.ts';
import { readUser } from '../users/commands.ts';
import { capabilitiesOf } from '../users/telephony.ts';
import { licenseCreate, licenseUpdate, licenseView } from './schema.ts';
import { findLicense, holds, insertLicense, isExpired, listLicenses, recordAssignment, releaseSeat, takeSeat, toLicenseView, unlicensedCapabilities, updateLicense } from './store.ts';
import { lookupsOf } from '../users/lookups.ts';

const tags = ['licenses'];
const domainParams = z.object({ domain: z.string() });
const licenseParams = z.object({ domain: z.string(), name: z.string() });
const assignmentParams = z.object({ domain: z.string(), id: z.string(), name: z.string() });
const listQuery = z.strictObject({ limit: limitSchema, cursor: z.string().max(1000).optional() });
const nameTaken = (name: string) => conflict('license.exists', `A license named ${JSON.stringify(name)} already exists`, [{ path: 'name', code: 'license.exists', message: 'Already taken' }]);

export function licenseRoutes(router: Router, { db }: Deps): void {
  router.get('/api/v1/domains/:domain/licenses', {
    config: { access: { permission: 'licenses:read' } },
    schema: { tags, summary: 'Licensed products with seats, used and free', params: domainParams, querystring: listQuery, response: { 200: pageSchema(licenseView) } },
    handler: async (request) => {
      const { limit, cursor } = request.query;
      const rows = await listLicenses(db, domainOf(request).id, cursor ? String(decodeCursor(cursor)[0]) : undefined, limit);
      return toPage(rows, limit, (r) => toLicenseView(r), (r) => encodeCursor(r.name_key, r.id));
    },
  });

  router.get('/api/v1/domains/:domain/licenses/:name', {
    config: { access: { permission: 'licenses:read' } },
    schema: { tags, summary: 'A licensed product', params: licenseParams, response: { 200: licenseView } },
    handler: async (request) => toLicenseView(await mustFind(db, domainOf(request).id, request.params.name)),
  });

  router.post('/api/v1/domains/:domain/licenses', {
    config: { access: { permission: 'licenses:manage' } },
    schema: { tags, summary: 'Add a licensed product', params: domainParams, body: licenseCreate, response: { 201: licenseView } },
    handler: async (request, reply) => {
      const domain = domainOf(request);
      if (await findLicense(db, domain.id, request.body.name)) throw nameTaken(request.body.name);
      const license = await db.transaction().execute(async (trx) => {
        const created = await insertLicense(trx, domain.id, request.body);
        await recordAudit(trx, { domainId: domain.id, actor: actorOf(request), action: 'license.created', target: { type: 'license', id: created.name, name: created.name }, changes: diff(null, toLicenseView(created)) });
        return created;
      }).catch(uniqueViolationAs(() => nameTaken(request.body.name)));
      return reply.code(201).send(toLicenseView(license));
    },
  });

  router.patch('/api/v1/domains/:domain/licenses/:name', {
    config: { access: { permission: 'licenses:manage' } },
    schema: { tags, summary: 'Change a licensed product: seats (never below those in use), expiry, name', params: licenseParams, body: licenseUpdate, response: { 200: licenseView } },
    handler: async (request) => {
      const domain = domainOf(request);
      const license = await mustFind(db, domain.id, request.params.name);
      const change = request.body;
      const next = {
        name: change.name ?? license.name,
        description: change.description === undefined ? license.description : change.description,
        seats: change.seats ?? license.seats,
        expires_at: change.expiresAt === undefined ? license.expires_at : change.expiresAt === null ? null : new Date(change.expiresAt).toISOString(),
        capability: change.capability === undefined ? license.capability : change.capability,
      };
      if (nameKey(next.name) !== license.name_key && (await findLicense(db, domain.id, next.name))) throw nameTaken(next.name);
      await db.transaction().execute(async (trx) => {
        if (!(await updateLicense(trx, license, next))) {
          throw conflict('license.seats_in_use', `${license.used} seats are in use; take licenses back before lowering the seats below that`, [{ path: 'seats', code: 'license.seats_in_use', message: `At least ${license.used}` }]);
        }
        const after = await mustFind(trx, domain.id, next.name);
        await recordAudit(trx, { domainId: domain.id, actor: actorOf(request), action: 'license.updated', target: { type: 'license', id: after.name, name: after.name }, changes: diff(toLicenseView(license), toLicenseView(after)) });
      }).catch(uniqueViolationAs(() => nameTaken(next.name)));
      return toLicenseView(await mustFind(db, domain.id, next.name));
    },
  });

  router.delete('/api/v1/domains/:domain/licenses/:name', {
    config: { access: { permission: 'licenses:manage' } },
    schema: { tags, summary: 'Remove a licensed product nobody holds', params: licenseParams, response: { 204: z.null() } },
    handler: async (request, reply) => {
      const domain = domainOf(request);
      const license = await mustFind(db, domain.id, request.params.name);
      await db.transaction().execute(async (trx) => {
        const deleted = await trx.deleteFrom('licenses').where('id', '=', license.id).where('used', '=', 0).executeTakeFirst();
        if (Number(deleted.numDeletedRows) !== 1) throw conflict('license.in_use', 'Some users hold this license; take it back from them first');
        await recordAudit(trx, { domainId: domain.id, actor: actorOf(request), action: 'license.deleted', target: { type: 'license', id: license.name, name: license.name }, changes: diff(toLicenseView(license), null) });
      });
      return reply.code(204).send(null);
    },
  });

  router.post('/api/v1/domains/:domain/users/:id/licenses/:name', {
    config: { access: { permission: 'licenses:assign' } },
    schema: { tags, summary: 'Give the user a seat of the license', params: assignmentParams, response: { 204: z.null() } },
    handler: async (request, reply) => {
      const domain = domainOf(request);
      const license = await mustFind(db, domain.id, request.params.name);
      const user = await findUserRow(db, domain.id, request.params.id);
      if (!user || user.deleted_at) throw notFound('User');
      if (isExpired(license)) throw conflict('license.expired', `The license ${license.name} expired at ${license.expires_at}`);
      await db.transaction().execute(async (trx) => {
        if (await holds(trx, license.id, user.id)) throw conflict('license.already_held', `${user.login} already holds ${license.name}`);
        if (!(await takeSeat(trx, license.id))) throw conflict('license.no_free_seats', `All ${license.seats} seats of ${license.name} are taken`);
        await recordAssignment(trx, license.id, user.id);
        await touchUser(trx, user.id);
        await recordAudit(trx, { domainId: domain.id, actor: actorOf(request), action: 'license.assigned', target: { type: 'user', id: user.id, name: user.login }, changes: { licenses: { from: null, to: license.name } } });
      }).catch(uniqueViolationAs(() => conflict('license.already_held', `${user.login} already holds ${license.name}`)));
      return reply.code(204).send(null);
    },
  });

  router.delete('/api/v1/domains/:domain/users/:id/licenses/:name', {
    config: { access: { permission: 'licenses:assign' } },
    schema: { tags, summary: 'Take the license back from the user, freeing the seat', params: assignmentParams, response: { 204: z.null() } },
    handler: async (request, reply) => {
      const domain = domainOf(request);
      const license = await mustFind(db, domain.id, request.params.name);
      const user = await findUserRow(db, domain.id, request.params.id);
      if (!user) throw notFound('User');
      const view = await readUser(db, domain, user.id);
      if (license.capability && capabilitiesOf(view).includes(license.capability) && (await unlicensedCapabilities(lookupsOf(db, domain.id), user.id, [license.capability], { without: license.id })).missing.length > 0) {
        throw conflict('license.capability_in_use', `${user.login} uses ${license.capability} (${license.capability === 'webrtc' ? 'a WebRTC phone' : 'the agent profile'}), which this license covers; turn that off first`);
      }
      await db.transaction().execute(async (trx) => {
        if (!(await releaseSeat(trx, license.id, user.id))) throw notFound(`${license.name} held by ${user.login}`);
        await touchUser(trx, user.id);
        await recordAudit(trx, { domainId: domain.id, actor: actorOf(request), action: 'license.removed', target: { type: 'user', id: user.id, name: user.login }, changes: { licenses: { from: license.name, to: null } } });
      });
      return reply.code(204).send(null);
    },
  });
}

async function mustFind(db: Db, domainId: string, name: string) {
  const license = await findLicense(db, domainId, name);
  if (!license) throw notFound(`License ${JSON.stringify(name)}`);
  return license;
}

