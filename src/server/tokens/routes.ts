import { accountInCharge } from '../users/commands.ts';
import { z } from 'zod';
import { recordAudit } from '../audit/store.ts';
import { actorOf, domainOf, type Actor } from '../http/access.ts';
import { forbidden, notFound } from '../http/problem.ts';
import type { Deps, Router } from '../deps.ts';
import { permissionsBeyondActor } from '../permissions/rules.ts';
import { findUserRow } from '../users/store.ts';
import { tokenCreate, tokenCreated, tokenView } from './schema.ts';
import { createToken, listTokens, revokeToken } from './store.ts';

const tags = ['API tokens'];
const tokenList = z.object({ items: z.array(tokenView), nextCursor: z.null() });
const userParams = z.object({ domain: z.string(), id: z.string() });

export function tokenRoutes(router: Router, { db }: Deps): void {
  router.get('/api/v1/me/tokens', {
    config: { access: { authenticated: true } },
    schema: { tags, summary: 'Your API tokens (never the tokens themselves)', response: { 200: tokenList } },
    handler: async (request) => ({ items: await listTokens(db, actorOf(request).id), nextCursor: null }),
  });

  router.post('/api/v1/me/tokens', {
    config: { access: { authenticated: true } },
    schema: { tags, summary: 'Create an API token scoped to some of your permissions; shown once', body: tokenCreate, response: { 201: tokenCreated } },
    handler: async (request, reply) => {
      const actor = actorOf(request);
      // A token is made by a person signed in (the route admits no token), and never holds more than that person.
      const beyond = permissionsBeyondActor(actor, request.body.permissions);
      if (beyond.length) throw forbidden(`A token cannot hold permissions you do not hold: ${beyond.join(', ')}`);
      const created = await db.transaction().execute(async (trx) => {
        const token = await createToken(trx, actor.id, request.body);
        await audit(trx, actor, 'token.created', token.name, {
          permissions: { from: null, to: token.permissions },
          expiresAt: { from: null, to: token.expiresAt },
        });
        return token;
      });
      return reply.code(201).send(created);
    },
  });

  router.delete('/api/v1/me/tokens/:token', {
    config: { access: { authenticated: true } },
    schema: { tags, summary: 'Revoke one of your API tokens', params: z.object({ token: z.string() }), response: { 204: z.null() } },
    handler: async (request, reply) => {
      const actor = actorOf(request);
      await db.transaction().execute(async (trx) => {
        const revoked = await revokeToken(trx, actor.id, request.params.token);
        if (!revoked) throw notFound('Token');
        await audit(trx, actor, 'token.revoked', revoked.name, {});
      });
      return reply.code(204).send(null);
    },
  });

  router.get('/api/v1/domains/:domain/users/:id/tokens', {
    config: { access: { permission: 'users:read' } },
    schema: { tags, summary: "A user's API tokens", params: userParams, response: { 200: tokenList } },
    handler: async (request) => {
      const user = await findUserRow(db, domainOf(request).id, request.params.id);
      if (!user) throw notFound('User');
      return { items: await listTokens(db, user.id), nextCursor: null };
    },
  });

  router.delete('/api/v1/domains/:domain/users/:id/tokens/:token', {
    config: { access: { permission: 'users:update' } },
    schema: { tags, summary: "Revoke a user's API token", params: userParams.extend({ token: z.string() }), response: { 204: z.null() } },
    handler: async (request, reply) => {
      const domain = domainOf(request);
      const user = await accountInCharge(db, actorOf(request), domain.id, request.params.id);
      await db.transaction().execute(async (trx) => {
        const revoked = await revokeToken(trx, user.id, request.params.token);
        if (!revoked) throw notFound('Token');
        await recordAudit(trx, {
          domainId: domain.id,
          actor: actorOf(request),
          action: 'token.revoked',
          target: { type: 'user', id: user.id, name: user.login },
          changes: { token: { from: revoked.name, to: null } },
        });
      });
      return reply.code(204).send(null);
    },
  });
}

function audit(db: Parameters<typeof recordAudit>[0], actor: Actor, action: string, name: string, changes: Parameters<typeof recordAudit>[1]['changes']) {
  return recordAudit(db, {
    domainId: actor.domainId,
    actor,
    action,
    target: { type: 'user', id: actor.id, name: actor.login },
    changes: { ...changes, token: { from: null, to: name } },
  });
}
