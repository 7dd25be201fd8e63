import { z } from 'zod';
import { domainOf } from '../http/access.ts';
import type { Deps, Router } from '../deps.ts';
import { changePage, changesQuery } from './schema.ts';
import { listChanges } from './store.ts';

export function changeRoutes(router: Router, { db }: Deps): void {
  router.get('/api/v1/domains/:domain/changes', {
    config: { access: { permission: 'changes:read' } },
    schema: {
      tags: ['changes'],
      summary: "The domain's change feed",
      description:
        'Every committed change of a resource (user, role, group, license, number, pause reason, hot desk, domain settings), numbered per domain in the order the writes committed; kept for the retention (SWITCHBOARD_CHANGE_RETENTION_DAYS). Follow it with `after` = the last `seq` you have.',
      params: z.object({ domain: z.string() }),
      querystring: changesQuery,
      response: { 200: changePage },
    },
    handler: async (request) => listChanges(db, domainOf(request).id, request.query.after, request.query.limit),
  });
}
