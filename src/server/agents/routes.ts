import { z } from 'zod';
import { actorOf, domainOf } from '../http/access.ts';
import type { Deps, Router } from '../deps.ts';
import { agentDefaultsSettings } from './commands.ts';
import { agentDefaults } from './schema.ts';
import { agentDefaultsOf } from './store.ts';

const tags = ['agents'];
const domainParams = z.object({ domain: z.string() });

/** The domain's agent defaults (each agent's own profile is written with the user). */
export function agentRoutes(router: Router, { db }: Deps): void {
  router.get('/api/v1/domains/:domain/agent-defaults', {
    config: { access: { permission: 'users:read' } },
    schema: { tags, summary: 'What agents of the domain follow unless they set their own', params: domainParams, response: { 200: agentDefaults } },
    handler: async (request) => agentDefaultsOf(domainOf(request)),
  });

  router.put('/api/v1/domains/:domain/agent-defaults', {
    config: { access: { permission: 'telephony:manage' } },
    schema: {
      tags,
      summary: 'Replace the agent defaults (absent fields take the built-in ones)',
      params: domainParams,
      body: agentDefaults,
      response: { 200: agentDefaults },
    },
    handler: async (request) => agentDefaultsSettings.replace(db, actorOf(request), domainOf(request), request.body),
  });
}
