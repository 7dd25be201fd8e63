import { z } from 'zod';
import { actorOf, domainOf } from '../http/access.ts';
import type { Deps, Router } from '../deps.ts';
import { createOwnToken, revokeOwnToken, revokeUserToken, userTokens } from './commands.ts';
import { tokenCreate, tokenCreated, tokenView } from './schema.ts';
import { listTokens } from './store.ts';

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
    handler: async (request, reply) => reply.code(201).send(await createOwnToken(db, actorOf(request), request.body)),
  });

  router.delete('/api/v1/me/tokens/:token', {
    config: { access: { authenticated: true } },
    schema: { tags, summary: 'Revoke one of your API tokens', params: z.object({ token: z.string() }), response: { 204: z.null() } },
    handler: async (request, reply) => {
      await revokeOwnToken(db, actorOf(request), request.params.token);
      return reply.code(204).send(null);
    },
  });

  router.get('/api/v1/domains/:domain/users/:id/tokens', {
    config: { access: { permission: 'users:read' } },
    schema: { tags, summary: "A user's API tokens", params: userParams, response: { 200: tokenList } },
    handler: async (request) => ({ items: await userTokens(db, domainOf(request).id, request.params.id), nextCursor: null }),
  });

  router.delete('/api/v1/domains/:domain/users/:id/tokens/:token', {
    config: { access: { permission: 'users:update' } },
    schema: { tags, summary: "Revoke a user's API token", params: userParams.extend({ token: z.string() }), response: { 204: z.null() } },
    handler: async (request, reply) => {
      await revokeUserToken(db, actorOf(request), domainOf(request), request.params.id, request.params.token);
      return reply.code(204).send(null);
    },
  });
}
