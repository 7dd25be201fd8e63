import { z } from 'zod';
import { actorOf, domainOf } from '../http/access.ts';
import { decodeCursor, encodeCursor, limitSchema, pageSchema, toPage } from '../http/paging.ts';
import { conflict } from '../http/problem.ts';
import type { Deps, Router } from '../deps.ts';
import { readUser } from '../users/commands.ts';
import { hotDeskCreate, hotDeskView, signInView } from '../sip-accounts/schema.ts';
import { createDesk, deleteDesk, signIn, signOut } from './commands.ts';
import { deskHistory, listDesks } from './store.ts';

const tags = ['sip'];
const domainParams = z.object({ domain: z.string() });
const userParams = z.object({ domain: z.string(), id: z.string() });

/** Hot desks: the domain's desk extensions, and hot-desking users signing in to them. */
export function hotDeskRoutes(router: Router, { db }: Deps): void {
  const base = '/api/v1/domains/:domain/users/:id/sip';

  router.post(`${base}/sign-in`, {
    config: { access: { permission: 'users:update', self: 'profile:update' } },
    schema: {
      tags,
      summary: 'Sign a hot-desking user in to a desk',
      description: 'To the desk given, or to the lowest free one. A user at another desk leaves it.',
      params: userParams,
      body: z
        .strictObject({
          extension: z
            .string()
            .regex(/^[0-9]{1,15}$/)
            .optional(),
        })
        .default({}),
      response: { 200: z.object({ extension: z.string() }) },
    },
    handler: async (request) => {
      const domain = domainOf(request);
      const actor = actorOf(request);
      const user = await readUser(db, domain, request.params.id, { deleted: false });
      if (user.sip?.assignment !== 'dynamic') throw conflict('sip.not_hot_desking', 'Only a user with a dynamic (hot-desking) SIP account signs in to desks');
      return { extension: await signIn(db, actor, domain, user, request.body.extension) };
    },
  });

  router.post(`${base}/sign-out`, {
    config: { access: { permission: 'users:update', self: 'profile:update' } },
    schema: { tags, summary: 'Sign a hot-desking user out of their desk', params: userParams, response: { 204: z.null() } },
    handler: async (request, reply) => {
      const domain = domainOf(request);
      const actor = actorOf(request);
      const user = await readUser(db, domain, request.params.id, { deleted: false });
      await signOut(db, actor, domain, user);
      return reply.code(204).send(null);
    },
  });

  router.get(`${base}/sign-ins`, {
    config: { access: { permission: 'users:read', self: 'profile:read' } },
    schema: {
      tags,
      summary: 'Hot-desk sign-in history, newest first',
      params: userParams,
      querystring: z.strictObject({ limit: limitSchema, cursor: z.string().max(1000).optional() }),
      response: { 200: pageSchema(signInView) },
    },
    handler: async (request) => {
      const user = await readUser(db, domainOf(request), request.params.id);
      const { limit, cursor } = request.query;
      const rows = await deskHistory(db, user.id, cursor ? decodeCursor(cursor)[1] : undefined, limit);
      return toPage(
        rows,
        limit,
        (r) => ({ extension: r.extension, signedInAt: r.signed_in_at, signedOutAt: r.signed_out_at, signedOutBy: r.signed_out_by }),
        (r) => encodeCursor(r.signed_in_at, r.id),
      );
    },
  });

  router.get('/api/v1/domains/:domain/hot-desks', {
    config: { access: { permission: 'users:read' } },
    schema: {
      tags,
      summary: "The domain's hot desks and who sits at each",
      params: domainParams,
      response: { 200: z.object({ items: z.array(hotDeskView) }) },
    },
    handler: async (request) => ({ items: await listDesks(db, domainOf(request).id) }),
  });

  router.post('/api/v1/domains/:domain/hot-desks', {
    config: { access: { permission: 'telephony:manage' } },
    schema: {
      tags,
      summary: 'Add a hot desk: an extension hot-desking users sign in to',
      params: domainParams,
      body: hotDeskCreate,
      response: { 201: hotDeskView },
    },
    handler: async (request, reply) => {
      const domain = domainOf(request);
      const { extension, description = null } = request.body;
      await createDesk(db, actorOf(request), domain, extension, description);
      return reply.code(201).send({ extension, description, occupiedBy: null });
    },
  });

  router.delete('/api/v1/domains/:domain/hot-desks/:extension', {
    config: { access: { permission: 'telephony:manage' } },
    schema: {
      tags,
      summary: 'Remove a hot desk nobody is signed in to',
      params: z.object({ domain: z.string(), extension: z.string() }),
      response: { 204: z.null() },
    },
    handler: async (request, reply) => {
      const domain = domainOf(request);
      const { extension } = request.params;
      await deleteDesk(db, actorOf(request), domain, extension);
      return reply.code(204).send(null);
    },
  });
}
