import { numberedAtTheEnd } from '../changes/store.ts';
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { stringify as stringifySync } from 'csv-stringify/sync';
import { createRange, rangeInput, rangeResult } from '../range/commands.ts';
import { z } from 'zod';
import { userListQuery } from '../users/schema.ts';
import { exportRows } from '../export/export.ts';
import { timeOrderedId } from '../identifiers/time-ordered-id.ts';
import { actorOf, domainOf } from '../http/access.ts';
import { conflict, invalid, Problem } from '../http/problem.ts';
import type { UserView } from '../users/schema.ts';
import type { Deps, Router } from '../deps.ts';
import { keepingAnAdministrator } from '../roles/administrators.ts';
import { bulkDelete, bulkEdit, bulkEditResult, bulkResult, bulkTarget, MAX_BULK } from './schema.ts';
import { changeFor } from './rules.ts';
import { prepareLicenseEdit, writeLicenseEdit } from './licenses.ts';
import { assertMayChangeAccounts, prepareChange, writeChange, type PreparedChange } from '../users/commands.ts';
import { matchingUsers, usersByIds } from '../users/store.ts';
import { liveNarrowing } from '../users/routes.ts';
import { uniqueViolationAs } from '../db/errors.ts';
import { setUsersDeleted, targetUsers } from './store.ts';

const tags = ['bulk'];
const params = z.object({ domain: z.string() });

export function bulkRoutes(router: Router, { db, passwords, cipher }: Deps): void {
  const guards = { passwords, cipher };
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
        await assertMayChangeAccounts(trx, actor, domain.id, found.map((u) => u.id), true);
        await keepingAnAdministrator(trx, domain.id, () => setUsersDeleted(trx, domain.id, found, true, actor, bulkId));
        return found;
      });
      return { bulkId, count: users.length, users };
    },
  });

  router.post('/api/v1/domains/:domain/users/bulk', {
    config: { access: { permission: 'users:update' } },
    schema: {
      tags,
      summary: 'Edit many users at once: add or remove roles, groups, tags, skills; set fields',
      description: 'All or nothing: any problem with any user changes nobody, and every problem is listed. `preview` answers who would change.',
      params,
      body: bulkEdit,
      response: { 200: bulkEditResult },
    },
    handler: async (request) => {
      const domain = domainOf(request);
      const actor = actorOf(request);
      const { preview, add, remove, set, ...target } = request.body;
      const users = await usersByIds(db, domain, (await targetUsers(db, domain.id, target, false)).map((u) => u.id));
      const changes = users.map((user) => ({ user, ...changeFor(user, { add, remove, set }) }));
      const seats = await prepareLicenseEdit(db, domain, users, add.licenses, remove.licenses);
      const problems = [...changes.flatMap((c) => c.problems), ...seats.problems];
      if (problems.length) throw invalid(problems.slice(0, 200));
      const prepared: PreparedChange[] = [];
      for (const { user, change } of changes) prepared.push(await prepareChange(db, actor, domain, user, change, guards).catch(aboutUser(user)));
      const changed = prepared.filter((p) => p.changed);
      const summary = users.filter((u) => seats.userIds.has(u.id) || changed.some((p) => p.before.id === u.id)).map((u) => ({ id: u.id, login: u.login }));
      if (preview) return { preview: true, bulkId: null, count: summary.length, users: summary };
      const bulkId = timeOrderedId();
      await db
        .transaction()
        .execute((trx) => keepingAnAdministrator(trx, domain.id, () => numberedAtTheEnd(trx, async () => {
          for (const change of changed) await writeChange(trx, actor, domain, change, { bulkOperation: { from: null, to: bulkId } });
          // After the changes, whose writes check the versions they read.
          await writeLicenseEdit(trx, actor, domain, seats, bulkId);
        })))
        .catch(uniqueViolationAs(() => conflict('bulk.conflict', 'Another change took a name or number these users needed a moment ago; nothing was changed')));
      return { preview: false, bulkId, count: summary.length, users: summary };
    },
  });

  router.post('/api/v1/domains/:domain/users/range', {
    config: { access: { permission: 'users:create' } },
    schema: {
      tags,
      summary: 'Create one user per number of a range (Webitel "Multi")',
      description: 'Login, extension and SIP username are the number; the template gives roles, groups, tags, licenses, agent settings and the SIP connection. The generated SIP secrets are in this answer only — ask with `Accept: text/csv` to get them as a file.',
      params,
      body: rangeInput,
      response: { 200: rangeResult },
    },
    handler: async (request, reply) => {
      const result = await createRange(db, actorOf(request), domainOf(request), request.body, guards);
      if (!String(request.headers.accept ?? '').includes('text/csv')) return result;
      const withPasswords = request.body.webPasswords;
      const csv = stringifySync([['login', 'extension', 'sipUsername', 'sipSecret', ...(withPasswords ? ['password'] : [])], ...result.created.map((u) => [u.login, u.extension, u.sipUsername, u.sipSecret, ...(withPasswords ? [u.password ?? ''] : [])])], { bom: true });
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="range-${request.body.from}-${request.body.to}.csv"`).send(csv as never);
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
export function exportRoutes(router: Router, { db, presence }: Deps): void {
  router.get('/api/v1/domains/:domain/users/count', {
    config: { access: { permission: 'users:read' } },
    schema: {
      tags,
      summary: 'How many users the list filters match, up to what a bulk operation takes',
      description: `The list's total, and "all that match" in bulk edit and delete: counted up to ${MAX_BULK}; \`more\` says there are more (a bulk operation would refuse them). The live filters (status, registered, online) narrow the count as they narrow the list; bulk operations do not take them.`,
      params,
      querystring: userListQuery.omit({ limit: true, cursor: true, sort: true }),
      response: { 200: z.object({ count: z.number().int(), more: z.boolean() }) },
    },
    handler: async (request) => {
      const domainId = domainOf(request).id;
      const found = await matchingUsers(db, domainId, request.query, MAX_BULK, await liveNarrowing(presence, domainId, request.query));
      return { count: Math.min(found.length, MAX_BULK), more: found.length > MAX_BULK };
    },
  });

  router.get('/api/v1/domains/:domain/users/export', {
    config: { access: { permission: 'users:read' } },
    schema: {
      tags,
      summary: 'Export users as CSV (the list filters apply)',
      description: 'The columns import reads. Cells a spreadsheet would take for a formula start with an apostrophe. No password, SIP secret or PIN is ever in it.',
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

/** A problem with one user of a bulk edit, said with the user's login and id in it. */
const aboutUser =
  (user: UserView) =>
  (error: unknown): never => {
    if (!(error instanceof Problem)) throw error;
    throw new Problem(error.status, error.code, `${user.login}: ${error.detail}`, (error.errors ?? []).map((e) => ({ ...e, path: `users/${user.id}/${e.path}` })));
  };
