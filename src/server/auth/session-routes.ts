import { z } from 'zod';
import { actorOf, domainOf } from '../http/access.ts';
import type { Deps, Router } from '../deps.ts';
import { listSessions } from '../sessions/store.ts';
import { endOwnSession, endUserSession, signUserOut, userSessions } from './session-commands.ts';

const tags = ['sessions'];
const sessionView = z.object({
  id: z.string(),
  current: z.boolean(),
  userAgent: z.string().nullable(),
  address: z.string().nullable(),
  createdAt: z.string(),
  lastSeenAt: z.string(),
  expiresAt: z.string(),
});
const sessionList = z.object({ items: z.array(sessionView), nextCursor: z.null() });
const userParams = z.object({ domain: z.string(), id: z.string() });

export function sessionRoutes(router: Router, { db }: Deps): void {
  router.get('/api/v1/me/sessions', {
    config: { access: { authenticated: true } },
    schema: { tags, summary: 'Your open sessions', response: { 200: sessionList } },
    handler: async (request) => {
      const actor = actorOf(request);
      const items = (await listSessions(db, actor.id)).map((s) => ({ ...s, current: s.id === actor.sessionId }));
      return { items, nextCursor: null };
    },
  });

  router.delete('/api/v1/me/sessions/:session', {
    config: { access: { authenticated: true } },
    schema: { tags, summary: 'End one of your sessions', params: z.object({ session: z.string() }), response: { 204: z.null() } },
    handler: async (request, reply) => {
      await endOwnSession(db, actorOf(request), request.params.session);
      return reply.code(204).send(null);
    },
  });

  router.get('/api/v1/domains/:domain/users/:id/sessions', {
    config: { access: { permission: 'users:read' } },
    schema: { tags, summary: "A user's open sessions", params: userParams, response: { 200: sessionList } },
    handler: async (request) => ({ items: await userSessions(db, actorOf(request), domainOf(request).id, request.params.id), nextCursor: null }),
  });

  router.delete('/api/v1/domains/:domain/users/:id/sessions', {
    config: { access: { permission: 'users:update' } },
    schema: { tags, summary: 'Sign the user out everywhere (forced logout)', params: userParams, response: { 204: z.null() } },
    handler: async (request, reply) => {
      await signUserOut(db, actorOf(request), domainOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  });

  router.delete('/api/v1/domains/:domain/users/:id/sessions/:session', {
    config: { access: { permission: 'users:update' } },
    schema: { tags, summary: 'End one session of the user', params: userParams.extend({ session: z.string() }), response: { 204: z.null() } },
    handler: async (request, reply) => {
      await endUserSession(db, actorOf(request), domainOf(request), request.params.id, request.params.session);
      return reply.code(204).send(null);
    },
  });
}
