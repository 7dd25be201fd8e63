import { z } from 'zod';
import { domainOf } from '../http/access.ts';
import { pageSchema } from '../http/paging.ts';
import type { Deps, Router } from '../deps.ts';
import { auditEntry, auditQuery } from './schema.ts';
import { listAudit } from './store.ts';

export function auditRoutes(router: Router, { db }: Deps): void {
  router.get('/api/v1/domains/:domain/audit', {
    config: { access: { permission: 'audit:read' } },
    schema: {
      tags: ['audit'],
      summary: 'The audit log of the domain, newest first',
      params: z.object({ domain: z.string() }),
      querystring: auditQuery,
      response: { 200: pageSchema(auditEntry) },
    },
    handler: (request) => listAudit(db, domainOf(request).id, request.query),
  });
}
