import { z } from 'zod';
import { recordAudit } from '../audit/store.ts';
import { actorOf, domainOf } from '../http/access.ts';
import { notFound } from '../http/problem.ts';
import type { Deps, Router } from '../deps.ts';
import { accountInCharge } from '../users/commands.ts';
import { findUserRow } from '../users/store.ts';
import { closeUserSession, closeUserSessions, listSessions } from '../sessions/store.ts';

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
      if (!(await closeUserSession(db, actorOf(request).id, request.params.session))) throw notFound('Session');
      return reply.code(204).send(null);
    },
  });

  router.get('/api/v1/domains/:domain/users/:id/sessions', {
    config: { access: { permission: 'users:read' } },
    schema: { tags, summary: "A user's open sessions", params: userParams, response: { 200: sessionList } },
    handler: async (request) => {
      const user = await mustFind(request.params.id, domainOf(request).id);
      const current = actorOf(request).sessionId;
      return { items: (await listSessions(db, user.id)).map((s) => ({ ...s, current: s.id === current })), nextCursor: null };
    },
  });

  router.delete('/api/v1/domains/:domain/users/:id/sessions', {
    config: { access: { permission: 'users:update' } },
    schema: { tags, summary: 'Sign the user out everywhere (forced logout)', params: userParams, response: { 204: z.null() } },
    handler: async (request, reply) => {
      const domain = domainOf(request);
      const user = await accountInCharge(db, actorOf(request), domain.id, request.params.id);
      await db.transaction().execute(async (trx) => {
        await closeUserSessions(trx, user.id);
        await recordAudit(trx, {
          domainId: domain.id,
          actor: actorOf(request),
          action: 'user.signed_out',
          target: { type: 'user', id: user.id, name: user.login },
          changes: {},
        });
      });
      return reply.code(204).send(null);
    },
  });

  router.delete('/api/v1/domains/:domain/users/:id/sessions/:session', {
    config: { access: { permission: 'users:update' } },
    schema: { tags, summary: 'End one session of the user', params: userParams.extend({ session: z.string() }), response: { 204: z.null() } },
    handler: async (request, reply) => {
      const domain = domainOf(request);
      const user = await accountInCharge(db, actorOf(request), domain.id, request.params.id);
      await db.transaction().execute(async (trx) => {
        if (!(await closeUserSession(trx, user.id, request.params.session))) throw notFound('Session');
        await recordAudit(trx, {
          domainId: domain.id,
          actor: actorOf(request),
          action: 'session.ended',
          target: { type: 'user', id: user.id, name: user.login },
          changes: {},
        });
      });
      return reply.code(204).send(null);
    },
  });

  async function mustFind(id: string, domainId: string) {
    const user = await findUserRow(db, domainId, id);
    if (!user || user.deleted_at) throw notFound('User');
    return user;
  }
}
