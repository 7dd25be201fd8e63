import { z } from 'zod';
import { agentPatch, agentView } from '../agents/schema.ts';
import { actorOf, domainOf } from '../http/access.ts';
import { expectedVersion, sendEtag } from '../http/etag.ts';
import type { Deps, Router } from '../deps.ts';
import { changeUser, readUser } from './commands.ts';

const tags = ['agents'];
const userParams = z.object({ domain: z.string(), id: z.string() });

/** A user's agent profile: written as part of the user (one version, one audit entry, one change). */
export function userAgentRoutes(router: Router, { db, passwords, cipher }: Deps): void {
  router.get('/api/v1/domains/:domain/users/:id/agent', {
    config: { access: { permission: 'users:read', self: 'profile:read' } },
    schema: { tags, summary: "The user's agent profile, with the domain defaults it follows", params: userParams, response: { 200: agentView } },
    handler: async (request) => (await readUser(db, domainOf(request), request.params.id, { deleted: false })).agent,
  });

  router.put('/api/v1/domains/:domain/users/:id/agent', {
    config: { access: { permission: 'users:update' } },
    schema: {
      tags,
      summary: 'Change the agent profile',
      description: 'Fields given change; a setting set to null follows the domain default again.',
      params: userParams,
      body: agentPatch,
      response: { 200: agentView },
    },
    handler: async (request, reply) => {
      const user = await changeUser(db, actorOf(request), domainOf(request), request.params.id, { agent: request.body }, expectedVersion(request), {
        passwords,
        cipher,
      });
      sendEtag(reply, user.version);
      return user.agent;
    },
  });
}
