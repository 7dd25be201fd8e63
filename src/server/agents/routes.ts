import { z } from 'zod';
import { recordAudit } from '../audit/store.ts';
import { diff } from '../audit/rules.ts';
import { actorOf, domainOf } from '../http/access.ts';
import { expectedVersion, sendEtag } from '../http/etag.ts';
import type { Deps, Router } from '../deps.ts';
import { changeUser, readUser } from '../users/commands.ts';
import { agentDefaults, agentPatch, agentView } from './schema.ts';
import { agentDefaultsOf } from './store.ts';

const tags = ['agents'];
const domainParams = z.object({ domain: z.string() });
const userParams = z.object({ domain: z.string(), id: z.string() });

export function agentRoutes(router: Router, { db, passwords, cipher }: Deps): void {
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
      const user = await changeUser(db, actorOf(request), domainOf(request), request.params.id, { agent: request.body }, expectedVersion(request), { passwords, cipher });
      sendEtag(reply, user.version);
      return user.agent;
    },
  });

  router.get('/api/v1/domains/:domain/agent-defaults', {
    config: { access: { permission: 'users:read' } },
    schema: { tags, summary: 'What agents of the domain follow unless they set their own', params: domainParams, response: { 200: agentDefaults } },
    handler: async (request) => agentDefaultsOf(domainOf(request)),
  });

  router.put('/api/v1/domains/:domain/agent-defaults', {
    config: { access: { permission: 'telephony:manage' } },
    schema: { tags, summary: 'Replace the agent defaults (absent fields take the built-in ones)', params: domainParams, body: agentDefaults, response: { 200: agentDefaults } },
    handler: async (request) => {
      const domain = domainOf(request);
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('domains').set({ agent_defaults: JSON.stringify(request.body), updated_at: new Date().toISOString() }).where('id', '=', domain.id).execute();
        await recordAudit(trx, { domainId: domain.id, actor: actorOf(request), action: 'agent_defaults.updated', target: { type: 'domain', id: domain.name, name: domain.name }, changes: diff(agentDefaultsOf(domain), request.body) });
      });
      return request.body;
    },
  });
}
