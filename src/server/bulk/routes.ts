import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { z } from 'zod';
import { userListQuery } from '../users/schema.ts';
import { listUsers } from '../users/store.ts';
import { neutralised, userColumns } from './columns.ts';
import { timeOrderedId } from '../db/ids.ts';
import { actorOf, domainOf } from '../http/access.ts';
import { conflict } from '../http/problem.ts';
import type { Deps, Router } from '../http/routes.ts';
import { keepingAnAdministrator } from '../roles/administrators.ts';
import { bulkDelete, bulkResult, bulkTarget } from './schema.ts';
import { setUsersDeleted, targetUsers } from './store.ts';

const tags = ['bulk'];
const params = z.object({ domain: z.string() });

export function bulkRoutes(router: Router, { db }: Deps): void {
  router.post('/api/v1/domains/:domain/users/bulk-delete', {
    config: { access: { permission: 'users:delete' } },
    schema: {
      tags,
      summary: 'Delete many users (restorable), by ids or by the list filters',
      description: '`confirm` is the count you saw; when the users matching now are not that many, nothing is deleted and the 409 says how many there are.',
      params,
      body: bulkDelete,
      response: { 200: bulkResult },
    },
    handler: async (request) => {
      const domain = domainOf(request);
      const actor = actorOf(request);
      const { confirm, ...target } = request.body;
      const bulkId = timeOrderedId();
      const users = await db.transaction().execute(async (trx) => {
        const found = await targetUsers(trx, domain.id, target, false);
        if (found.length !== confirm) {
          throw conflict('bulk.count_mismatch', `${found.length} users match now, not ${confirm}: nothing was deleted; look again and confirm ${found.length}`, [
            { path: 'confirm', code: 'bulk.count_mismatch', message: `${found.length} users match` },
          ]);
        }
        if (found.some((u) => u.id === actor.id)) throw conflict('bulk.includes_self', 'You cannot delete your own account in bulk');
        await keepingAnAdministrator(trx, domain.id, () => setUsersDeleted(trx, domain.id, found, true, actor, bulkId));
        return found;
      });
      return { bulkId, count: users.length, users };
    },
  });

  router.post('/api/v1/domains/:domain/users/bulk-restore', {
    config: { access: { permission: 'users:restore' } },
    schema: { tags, summary: 'Restore many deleted users, by ids or by the list filters', params, body: bulkTarget, response: { 200: bulkResult } },
    handler: async (request) => {
      const domain = domainOf(request);
      const bulkId = timeOrderedId();
      const users = await db.transaction().execute(async (trx) => {
        const found = await targetUsers(trx, domain.id, request.body, true);
        await setUsersDeleted(trx, domain.id, found, false, actorOf(request), bulkId);
        return found;
      });
      return { bulkId, count: users.length, users };
    },
  });
}

/** Users as CSV, with the list's filters, streamed a page at a time; never a secret. */
export function exportRoutes(router: Router, { db }: Deps): void {
  router.get('/api/v1/domains/:domain/users/export', {
    config: { access: { permission: 'users:read' } },
    schema: {
      tags,
      summary: 'Export users as CSV (the list filters apply)',
      description: 'The columns import reads. Cells a spreadsheet would take for a formula start with an apostrophe. No password, SIP secret or PIN is ever in it.',
      params,
      querystring: userListQuery.omit({ limit: true, cursor: true }),
      produces: ['text/csv'],
    },
    handler: async (request, reply) => {
      const domain = domainOf(request);
      const query = request.query;
      async function* rows() {
        yield userColumns.map((c) => c.name);
        let cursor: string | undefined;
        do {
          const page = await listUsers(db, domain, { ...query, limit: 500, cursor });
          for (const user of page.items) yield userColumns.map((c) => neutralised(c.value(user)));
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
      }
      const name = `users-${domain.name}-${new Date().toISOString().slice(0, 10)}.csv`;
      reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`);
      return reply.send(Readable.from(rows()).pipe(stringify({ bom: true })));
    },
  });
}
