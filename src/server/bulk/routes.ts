import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { stringify as stringifySync } from 'csv-stringify/sync';
import { createRange, rangeInput, rangeResult } from './range.ts';
import { importQuery, importResult, importUsers, withErrors, type GeneratedSecret, type ImportProgress, type ImportReport } from './import.ts';
import { ImportJobs, jobView } from './jobs.ts';
import { createWriteStream } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyReply } from 'fastify';
import { importColumns } from './import-columns.ts';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { userListQuery } from '../users/schema.ts';
import { neutralised } from './columns.ts';
import { exportRows } from './export.ts';
import { timeOrderedId } from '../db/ids.ts';
import { actorOf, domainOf } from '../http/access.ts';
import { conflict, invalid, notFound, Problem } from '../http/problem.ts';
import type { UserView } from '../users/schema.ts';
import type { Deps, Router } from '../http/routes.ts';
import { keepingAnAdministrator } from '../roles/administrators.ts';
import { bulkDelete, bulkEdit, bulkEditResult, bulkResult, bulkTarget } from './schema.ts';
import { changeFor } from './edit.ts';
import { prepareLicenseEdit, writeLicenseEdit } from './licenses.ts';
import { prepareChange, writeChange, type PreparedChange } from '../users/commands.ts';
import { usersByIds } from '../users/store.ts';
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
        .execute((trx) => keepingAnAdministrator(trx, domain.id, async () => {
          for (const change of changed) await writeChange(trx, actor, domain, change, { bulkOperation: { from: null, to: bulkId } });
          // After the changes, whose writes check the versions they read.
          await writeLicenseEdit(trx, actor, domain, seats, bulkId);
        }))
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

/** The largest file an import takes: it is spooled to disk, so memory does not grow with it. */
const MAX_FILE = 1024 * 2 ** 20;

/**
 * CSV import: the body is the file (`text/csv`), written to a temporary file as it arrives and
 * imported by a job; the request waits for the job, or, with `Prefer: respond-async`, is answered
 * 202 at once with the job to follow.
 */
export function importRoutes(router: Router, { db, passwords, cipher, presence }: Deps): void {
  const guards = { passwords, cipher };
  const jobs = new ImportJobs((domainId, view) => presence.store.publish(domainId, { type: 'job', userId: null, data: view }));
  const files = new Map<string, string>();
  const forget = (id: string) => async () => {
    const dir = files.get(id);
    files.delete(id);
    if (dir) await rm(dir, { recursive: true, force: true });
  };
  router.addHook('onClose', () => jobs.close(async () => void (await Promise.all([...files.keys()].map((id) => forget(id)())))));
  const jobParams = z.object({ domain: z.string(), id: z.string().max(64) });
  const jobOf = (request: { params: { id: string } } & Parameters<typeof domainOf>[0]) => {
    const job = jobs.get(domainOf(request).id, request.params.id);
    if (!job) throw notFound('Job');
    return job;
  };

  router.register(async (plugin) => {
    const scope = plugin.withTypeProvider<ZodTypeProvider>();
    scope.addContentTypeParser(['text/csv', 'application/csv'], (_request, payload, done) => done(null, payload));
    scope.get('/api/v1/domains/:domain/users/import/template', {
      config: { access: { permission: 'users:create' } },
      schema: { tags, summary: 'The import template: every column the import reads, with an example row', params, produces: ['text/csv'] },
      handler: async (_request, reply) =>
        reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="users-import-template.csv"')
          .send(stringifySync([importColumns, importColumns.map((column) => templateExample[column] ?? '')], { bom: true }) as never),
    });

    scope.post('/api/v1/domains/:domain/users/import', {
      config: { access: { permission: 'users:create' } },
      schema: {
        tags,
        summary: 'Import users from a CSV file',
        description:
          'Headers are matched case-insensitively, with the aliases of Webitel, Amazon Connect and Excel files; lists use `|`, skills `name:level`, licenses by name; `password` is judged by the policy and hashed, `passwordHash` takes argon2, bcrypt or PBKDF2 hashes from another system as they are. In atomic mode any problem refuses the whole file (400, every problem listed as rows/<row>/<column>); in partial mode the valid rows are written and the others reported; a dry run writes nothing and reports. With `Prefer: respond-async` the answer is 202 and the job (GET …/jobs/{id}, `job` events on the event stream).',
        params,
        querystring: importQuery,
        response: { 200: importResult, 202: jobView },
      },
      handler: async (request, reply) => {
        const body = request.body;
        if (!(body instanceof Readable)) throw invalid([{ path: 'body', code: 'import.not_csv', message: 'Send the file as text/csv' }]);
        const domain = domainOf(request);
        const requester = actorOf(request);
        const id = timeOrderedId();
        const dir = await mkdtemp(join(tmpdir(), 'switchboard-import-'));
        files.set(id, dir);
        const file = join(dir, 'upload.csv');
        await spool(body, file).catch(async (error: unknown) => {
          await forget(id)();
          throw error;
        });
        const secrets = join(dir, 'secrets.sealed');
        // Generated SIP secrets wait, sealed, for one download; an import not written drops them.
        const onSecrets = (list: GeneratedSecret[]) => appendFile(secrets, list.map((s) => `${cipher.seal(JSON.stringify(s))}\n`).join(''));
        const task = async (signal: AbortSignal, onProgress: (p: ImportProgress) => void) => {
          const report = await importUsers(db, requester, domain, file, request.query, guards, { id, signal, onProgress, onSecrets }).catch(async (error: unknown) => {
            await rm(secrets, { force: true });
            throw error;
          });
          if (!report.written) await rm(secrets, { force: true });
          return report;
        };
        const job = jobs.start(domain.id, id, requester.login, task, forget(id));
        if (/\brespond-async\b/i.test(String(request.headers.prefer ?? ''))) {
          return reply.code(202).header('preference-applied', 'respond-async').header('location', `/api/v1/domains/${domain.name}/jobs/${id}`).send({ ...job.view });
        }
        const view = await job.done;
        if (view.error) throw new Problem(view.error.status, view.error.code, view.error.detail);
        const report = view.result as ImportReport;
        if (request.query.report === 'csv') return sendErrorReport(reply, file, report);
        if (report.mode === 'atomic' && report.problemCount && !report.dryRun) throw refused(report);
        return report;
      },
    });

    scope.get('/api/v1/domains/:domain/jobs/:id', {
      config: { access: { permission: 'users:create' } },
      schema: { tags, summary: 'An import job: its state, progress and, when finished, its report', params: jobParams, response: { 200: jobView } },
      handler: async (request) => ({ ...jobOf(request).view }),
    });

    scope.post('/api/v1/domains/:domain/jobs/:id/cancel', {
      config: { access: { permission: 'users:create' } },
      schema: { tags, summary: 'Cancel a running import: nothing of it stays', params: jobParams, response: { 200: jobView } },
      handler: async (request) => jobs.cancel(jobOf(request)),
    });

    scope.get('/api/v1/domains/:domain/jobs/:id/secrets.csv', {
      config: { access: { permission: 'users:create' } },
      schema: { tags, summary: 'The SIP secrets the import generated, once: the file is gone after this answer', params: jobParams, produces: ['text/csv'] },
      handler: async (request, reply) => {
        const job = jobOf(request);
        const dir = files.get(job.view.id);
        const file = dir && join(dir, 'secrets.sealed');
        const sealed = file && job.view.result?.written ? await readFile(file, 'utf8').catch(() => null) : null;
        if (!file || sealed === null) throw notFound('Generated secrets (they are answered once, for a written import)');
        await rm(file, { force: true });
        const rows = sealed.split('\n').filter(Boolean).map((line) => JSON.parse(cipher.open(line)) as GeneratedSecret);
        reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="sip-secrets.csv"').header('cache-control', 'no-store');
        return reply.send(stringifySync([['login', 'extension', 'sipUsername', 'sipSecret'], ...rows.map((r) => [r.login, r.extension ?? '', r.sipUsername, r.sipSecret])]) as never);
      },
    });

    scope.get('/api/v1/domains/:domain/jobs/:id/report.csv', {
      config: { access: { permission: 'users:create' } },
      schema: { tags, summary: 'The imported file as it came, with an `error` column: fix the rows and send it again', params: jobParams, produces: ['text/csv'] },
      handler: async (request, reply) => {
        const job = jobOf(request);
        const dir = files.get(job.view.id);
        if (!job.view.result || !dir) throw conflict('import.not_finished', 'The job has no report (yet)');
        return sendErrorReport(reply, join(dir, 'upload.csv'), job.view.result);
      },
    });
  });
}

/** Writes the upload to disk as it arrives, refusing a file over the limit. */
async function spool(body: Readable, file: string) {
  let size = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      done(size > MAX_FILE ? new Problem(413, 'import.too_large', `The file is over ${MAX_FILE / 2 ** 20} MiB; split it`) : null, chunk);
    },
  });
  await pipeline(body, limit, createWriteStream(file));
}

const sendErrorReport = (reply: FastifyReply, file: string, report: ImportReport) =>
  reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', 'attachment; filename="import-report.csv"')
    .send(Readable.from(withErrors(file, report)).pipe(stringify({ bom: true })));

const refused = (report: ImportReport) =>
  invalid(
    report.problems.slice(0, 1000).map((p) => ({ path: `rows/${p.row}/${p.column}`, code: 'import.invalid_cell', message: p.value ? `${JSON.stringify(p.value)}: ${p.message}` : p.message })),
    `${report.problemCount} problems in ${report.rows} rows: nothing was imported`,
  );

/** What a filled row of the template looks like. */
const templateExample: Record<string, string> = {
  login: 'anna.nowak', email: 'anna.nowak@example.com', firstName: 'Anna', lastName: 'Nowak', active: 'true', roles: 'agent', groups: 'Sales|Night shift', tags: 'vip',
  timezone: 'Europe/Warsaw', language: 'pl', extension: '1001', connection: 'webrtc', callerIdName: 'Anna Nowak', agent: 'true', skills: 'Polish:90|English:60', wrapUpTime: '15',
};
