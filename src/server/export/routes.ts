import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { z } from 'zod';
import { domainOf } from '../http/access.ts';
import type { Deps, Router } from '../deps.ts';
import { userListQuery } from '../users/schema.ts';
import { exportRows } from './export.ts';

const tags = ['bulk'];
const params = z.object({ domain: z.string() });

/** Users as CSV, with the list's filters, streamed a page at a time; never a secret. */
export function exportRoutes(router: Router, { db }: Deps): void {
  router.get('/api/v1/domains/:domain/users/export', {
    config: { access: { permission: 'users:read' } },
    schema: {
      tags,
      summary: 'Export users as CSV (the list filters apply)',
      description:
        'The columns import reads. Cells a spreadsheet would take for a formula start with an apostrophe. No password, SIP secret or PIN is ever in it.',
      params,
      querystring: userListQuery.omit({ limit: true, cursor: true, status: true, registered: true, online: true }),
      produces: ['text/csv'],
    },
    handler: async (request, reply) => {
      const domain = domainOf(request);
      const name = `users-${domain.name}-${new Date().toISOString().slice(0, 10)}.csv`;
      reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`);
      return reply.send(Readable.from(exportRows(db, domain, request.query)).pipe(stringify({ bom: true })));
    },
  });
}
