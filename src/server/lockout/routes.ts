import { accountInCharge } from '../users/commands.ts';
import { z } from 'zod';
import { actorOf, domainOf } from '../http/access.ts';
import type { Deps, Router } from '../deps.ts';
import { bruteForceSettings } from './schema.ts';
import { bruteForce, unlockAccount } from './commands.ts';
import { readBruteForceSettings } from './store.ts';

const tags = ['brute-force protection'];
const params = z.object({ domain: z.string() });

export function lockoutRoutes(router: Router, { db }: Deps): void {
  router.get('/api/v1/domains/:domain/brute-force', {
    config: { access: { permission: 'security-settings:update' } },
    schema: { tags, summary: "The domain's brute-force protection", params, response: { 200: bruteForceSettings } },
    handler: (request) => readBruteForceSettings(db, domainOf(request).id),
  });

  router.put('/api/v1/domains/:domain/brute-force', {
    config: { access: { permission: 'security-settings:update' } },
    schema: {
      tags,
      summary: 'Replace the brute-force protection settings (absent fields take their defaults)',
      params,
      body: bruteForceSettings,
      response: { 200: bruteForceSettings },
    },
    handler: async (request) => bruteForce.replace(db, actorOf(request), domainOf(request), request.body),
  });

  router.post('/api/v1/domains/:domain/users/:id/unlock', {
    config: { access: { permission: 'users:update' } },
    schema: {
      tags,
      summary: 'Lift a lockout of the account after failed sign-ins',
      params: z.object({ domain: z.string(), id: z.string() }),
      response: { 204: z.null() },
    },
    handler: async (request, reply) => {
      const domain = domainOf(request);
      const user = await accountInCharge(db, actorOf(request), domain.id, request.params.id);
      await unlockAccount(db, actorOf(request), domain, user);
      return reply.code(204).send(null);
    },
  });
}
