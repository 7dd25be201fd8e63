import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { actorOf, domainOf } from '../http/access.ts';
import type { Deps, Router } from '../deps.ts';
import { changeProvider, changeSsoPolicy, createProvider, mustFindProvider, removeProvider, toProviderView, type Origin } from './commands.ts';
import { providerCreate, providerUpdate, providerView, ssoPolicy } from './schema.ts';
import { listProviders, readSsoPolicy } from './store.ts';

const tags = ['identity providers'];
const reading = { access: { permission: 'identity-providers:read' as const } };
const updating = { access: { permission: 'identity-providers:update' as const } };
const domainParams = z.object({ domain: z.string() });
const providerParams = domainParams.extend({ id: z.string() });

/** The origin the request came to: where the console and the callback are reached. */
export const originOf = (request: FastifyRequest) => `${request.protocol}://${request.host}`;
const at = (request: FastifyRequest): Origin => ({ origin: originOf(request), domain: domainOf(request) });

export function identityProviderRoutes(router: Router, { db, cipher }: Deps): void {
  router.get('/api/v1/domains/:domain/identity-providers', {
    config: reading,
    schema: {
      tags,
      summary: "The domain's OpenID Connect identity providers (never their client secrets)",
      params: domainParams,
      response: { 200: z.object({ items: z.array(providerView), nextCursor: z.null() }) },
    },
    handler: async (request) => ({ items: (await listProviders(db, domainOf(request).id)).map((row) => toProviderView(row, at(request))), nextCursor: null }),
  });

  router.post('/api/v1/domains/:domain/identity-providers', {
    config: updating,
    schema: {
      tags,
      summary: 'Add an identity provider; its discovery document is read first',
      description:
        'Register the answered `redirectUri` at the provider (and `postLogoutRedirectUri` for RP-initiated logout). The client secret is sealed at rest and never answered.',
      params: domainParams,
      body: providerCreate,
      response: { 201: providerView },
    },
    handler: async (request, reply) => reply.code(201).send(await createProvider(db, cipher, actorOf(request), at(request), request.body)),
  });

  router.get('/api/v1/domains/:domain/identity-providers/:id', {
    config: reading,
    schema: { tags, summary: 'An identity provider', params: providerParams, response: { 200: providerView } },
    handler: async (request) => toProviderView(await mustFindProvider(db, domainOf(request).id, request.params.id), at(request)),
  });

  router.patch('/api/v1/domains/:domain/identity-providers/:id', {
    config: updating,
    schema: {
      tags,
      summary: 'Change an identity provider; a new issuer is discovered first, a client secret left out stays',
      params: providerParams,
      body: providerUpdate,
      response: { 200: providerView },
    },
    handler: async (request) => changeProvider(db, cipher, actorOf(request), at(request), request.params.id, request.body),
  });

  router.delete('/api/v1/domains/:domain/identity-providers/:id', {
    config: updating,
    schema: { tags, summary: 'Remove an identity provider', params: providerParams, response: { 204: z.null() } },
    handler: async (request, reply) => {
      await removeProvider(db, actorOf(request), at(request), request.params.id);
      return reply.code(204).send(null);
    },
  });

  router.get('/api/v1/domains/:domain/sso-policy', {
    config: reading,
    schema: { tags, summary: 'Who must sign in through an identity provider', params: domainParams, response: { 200: ssoPolicy } },
    handler: async (request) => readSsoPolicy(db, domainOf(request).id),
  });

  router.put('/api/v1/domains/:domain/sso-policy', {
    config: updating,
    schema: {
      tags,
      summary: 'Require SSO of the whole domain or of roles: such users have no password sign-in',
      params: domainParams,
      body: ssoPolicy,
      response: { 200: ssoPolicy },
    },
    handler: async (request) => changeSsoPolicy(db, actorOf(request), domainOf(request), request.body),
  });
}
