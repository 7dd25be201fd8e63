import { accountInCharge } from '../users/commands.ts';
import { z } from 'zod';
import { recordAudit } from '../audit/store.ts';
import { diff } from '../audit/rules.ts';
import { actorOf, domainOf } from '../http/access.ts';
import type { Deps, Router } from '../deps.ts';
import { accountKey } from './guard.ts';
import { bruteForceSettings } from './schema.ts';
import { clearFailures, readBruteForceSettings, writeBruteForceSettings } from './store.ts';

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
    schema: { tags, summary: 'Replace the brute-force protection settings (absent fields take their defaults)', params, body: bruteForceSettings, response: { 200: bruteForceSettings } },
    handler: async (request) => {
      const domain = domainOf(request);
      const before = await readBruteForceSettings(db, domain.id);
      await db.transaction().execute(async (trx) => {
        await writeBruteForceSettings(trx, domain.id, request.body);
        await recordAudit(trx, { domainId: domain.id, actor: actorOf(request), action: 'brute_force.updated', target: { type: 'domain', id: domain.name, name: domain.name }, changes: diff(before, request.body) });
      });
      return request.body;
    },
  });

  router.post('/api/v1/domains/:domain/users/:id/unlock', {
    config: { access: { permission: 'users:update' } },
    schema: { tags, summary: 'Lift a lockout of the account after failed sign-ins', params: z.object({ domain: z.string(), id: z.string() }), response: { 204: z.null() } },
    handler: async (request, reply) => {
      const domain = domainOf(request);
      const user = await accountInCharge(db, actorOf(request), domain.id, request.params.id);
      await db.transaction().execute(async (trx) => {
        if (await clearFailures(trx, accountKey(user.id))) {
          await recordAudit(trx, { domainId: domain.id, actor: actorOf(request), action: 'user.unlocked', target: { type: 'user', id: user.id, name: user.login }, changes: {} });
        }
      });
      return reply.code(204).send(null);
    },
  });
}
