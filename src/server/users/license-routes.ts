import { z } from 'zod';
import { actorOf, domainOf } from '../http/access.ts';
import type { Deps, Router } from '../deps.ts';
import { assignLicense, takeBackLicense } from './license-commands.ts';

const tags = ['licenses'];
const assignmentParams = z.object({ domain: z.string(), id: z.string(), name: z.string() });

/** A user's seats of the domain's licenses. */
export function userLicenseRoutes(router: Router, { db }: Deps): void {
  router.post('/api/v1/domains/:domain/users/:id/licenses/:name', {
    config: { access: { permission: 'licenses:assign' } },
    schema: { tags, summary: 'Give the user a seat of the license', params: assignmentParams, response: { 204: z.null() } },
    handler: async (request, reply) => {
      await assignLicense(db, actorOf(request), domainOf(request), request.params.id, request.params.name);
      return reply.code(204).send(null);
    },
  });

  router.delete('/api/v1/domains/:domain/users/:id/licenses/:name', {
    config: { access: { permission: 'licenses:assign' } },
    schema: { tags, summary: 'Take the license back from the user, freeing the seat', params: assignmentParams, response: { 204: z.null() } },
    handler: async (request, reply) => {
      await takeBackLicense(db, actorOf(request), domainOf(request), request.params.id, request.params.name);
      return reply.code(204).send(null);
    },
  });
}
