import { z } from 'zod';
import { actorOf, domainOf } from '../http/access.ts';
import { expectedVersion, sendEtag } from '../http/etag.ts';
import { pageSchema } from '../http/paging.ts';
import type { Deps, Router } from '../deps.ts';
import { changeUser, createUser, deleteUser, readUser, restoreUser } from './commands.ts';
import { userCreate, userListQuery, userParams, userResponse, userUpdate } from './schema.ts';
import { liveNarrowing } from './store.ts';
import type { UserReads } from './reads.ts';
import type { ReaderThreads } from '../threads/readers.ts';
import { withPurgeDate } from './rules.ts';
import { serializeUser, userPageJson } from './answers.ts';

const domainParams = z.object({ domain: z.string() });
const tags = ['users'];
/** Answers already JSON: Fastify sends a string with a JSON content type as it is. */
const JSON_TYPE = 'application/json; charset=utf-8';

export function userRoutes(router: Router, { db, config, cache, passwords, cipher, presence, crm }: Deps, readers: ReaderThreads<UserReads>): void {
  router.get('/api/v1/domains/:domain/users', {
    config: { access: { permission: 'users:read' } },
    schema: {
      tags,
      summary: 'List users',
      description: '`q` matches users whose login, e-mail or name has a word starting with each word of `q`.',
      params: domainParams,
      querystring: userListQuery,
      response: { 200: pageSchema(userResponse) },
    },
    handler: async (request, reply) => {
      const domain = domainOf(request);
      const live = await liveNarrowing(presence, domain.id, request.query);
      const page = await readers.run('listUsers', { domain, query: request.query, live, purgeAfterDays: config.purgeAfterDays });
      const presenceOf = await presence.viewsOf(
        domain.id,
        page.items.map((u) => u.id),
      );
      return reply.type(JSON_TYPE).send(userPageJson(page.items, presenceOf, page.nextCursor) as never);
    },
  });

  router.post('/api/v1/domains/:domain/users', {
    config: { access: { permission: 'users:create' } },
    schema: { tags, summary: 'Create a user', params: domainParams, body: userCreate, response: { 201: userResponse } },
    handler: async (request, reply) => {
      const user = await createUser(db, actorOf(request), domainOf(request), request.body, { passwords, cipher, crm });
      sendEtag(reply, user.version);
      return reply.code(201).header('location', `${request.url}/${user.id}`).send(user);
    },
  });

  router.get('/api/v1/domains/:domain/users/:id', {
    config: { access: { permission: 'users:read', self: 'profile:read' } },
    schema: {
      tags,
      summary: 'Read a user',
      description: 'A deleted user is answered too, with `deletedAt` and `purgeAt` set, until it is purged; writes to it answer 404 (restore it first).',
      params: userParams,
      response: { 200: userResponse },
    },
    handler: async (request, reply) => {
      const domain = domainOf(request);
      const { id } = request.params;
      const user = await cache.users.get(`${domain.id}/${id}`, async () => {
        const view = await readUser(db, domain, id);
        return { version: view.version, json: serializeUser(withPurgeDate(view, config.purgeAfterDays)) };
      });
      if (!user) throw new Error('a user read answers or throws');
      sendEtag(reply, user.version);
      return reply.type(JSON_TYPE).send(user.json as never);
    },
  });

  router.patch('/api/v1/domains/:domain/users/:id', {
    config: { access: { permission: 'users:update' } },
    schema: {
      tags,
      summary: 'Change a user',
      description: 'Send `If-Match` with the ETag you read: a change made since then is refused with 412 instead of being overwritten.',
      params: userParams,
      body: userUpdate,
      response: { 200: userResponse },
    },
    handler: async (request, reply) => {
      const user = await changeUser(db, actorOf(request), domainOf(request), request.params.id, request.body, expectedVersion(request), {
        passwords,
        cipher,
        crm,
      });
      sendEtag(reply, user.version);
      return user;
    },
  });

  router.delete('/api/v1/domains/:domain/users/:id', {
    config: { access: { permission: 'users:delete' } },
    schema: { tags, summary: 'Delete a user (restorable until purged)', params: userParams, response: { 204: z.null() } },
    handler: async (request, reply) => {
      await deleteUser(db, actorOf(request), domainOf(request), request.params.id, expectedVersion(request));
      return reply.code(204).send(null);
    },
  });

  router.post('/api/v1/domains/:domain/users/:id/restore', {
    config: { access: { permission: 'users:restore' } },
    schema: { tags, summary: 'Restore a deleted user', params: userParams, response: { 200: userResponse } },
    handler: async (request, reply) => {
      const user = await restoreUser(db, actorOf(request), domainOf(request), request.params.id);
      sendEtag(reply, user.version);
      return user;
    },
  });
}
