import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGunzip, gzip } from 'node:zlib';
import { stringify } from 'csv-stringify';
import { stringify as stringifySync } from 'csv-stringify/sync';
import type { FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { timeOrderedId } from '../identifiers/time-ordered-id.ts';
import { actorOf, domainOf } from '../http/access.ts';
import { conflict, invalid, notFound, Problem } from '../http/problem.ts';
import type { Deps, Router } from '../deps.ts';
import { MAX_ROW } from './csv-decoding.ts';
import { importColumns } from './columns.ts';
import { MAX_CELL } from './rows.ts';
import { withErrors } from './commands.ts';
import { runImport } from './threads.ts';
import { csvReader } from './records.ts';
import { importQuery, importResult, type ImportProgress, type ImportReport } from './schema.ts';
import { secretsCsv } from './sealed-secrets.ts';
import { ImportJobs, jobView, type ImportLauncher, type KeptFiles } from './jobs.ts';
import { JobBoard } from '../jobs/board.ts';

const tags = ['bulk'];
const params = z.object({ domain: z.string() });

const SPOOL_PREFIX = 'switchboard-import-';

/**
 * Spool folders left by processes that no longer run (killed during an import): removed at start,
 * since an upload holds passwords in clear. A folder names the process that made it.
 */
async function sweepOrphanedSpools() {
  for (const name of await readdir(tmpdir()).catch(() => [] as string[])) {
    const pid = Number(name.startsWith(SPOOL_PREFIX) ? name.slice(SPOOL_PREFIX.length).split('-')[0] : NaN);
    if (!Number.isInteger(pid) || pid === process.pid || alive(pid)) continue;
    await rm(join(tmpdir(), name), { recursive: true, force: true });
  }
}

function alive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const gzipped = promisify(gzip);

/** The largest file an import takes: it is spooled to disk, so memory does not grow with it. */
const MAX_FILE = 1024 * 2 ** 20;

/**
 * CSV import: the body is the file (`text/csv`), written to a temporary file as it arrives and
 * imported by a job; the request waits for the job, or, with `Prefer: respond-async`, is answered
 * 202 at once with the job to follow.
 */
export function importRoutes(router: Router, { db, config, passwords, cipher, presence, cache, crm, drain }: Deps): ImportLauncher {
  const guards = { passwords, cipher, crm };
  void sweepOrphanedSpools();
  const board = new JobBoard(db, ['users.import'], (error) => router.log.error({ err: error }, 'an import job could not be written for the cluster'));
  const jobs = new ImportJobs((domainId, view) => presence.store.publish(domainId, { type: 'job', userId: null, data: view }), board);
  const files = new Map<string, string>();
  const forget = (id: string) => async () => {
    const dir = files.get(id);
    files.delete(id);
    if (dir) await rm(dir, { recursive: true, force: true });
  };
  router.addHook('onClose', () => jobs.close(async () => void (await Promise.all([...files.keys()].map((id) => forget(id)())))));
  const jobParams = z.object({ domain: z.string(), id: z.string().max(64) });
  const jobOf = async (request: { params: { id: string } } & Parameters<typeof domainOf>[0]) => {
    const job = await jobs.read(domainOf(request).id, request.params.id);
    if (!job) throw notFound('Job');
    return job;
  };

  /**
   * Starts an import job of any source in a spool folder of its own (the upload and the error
   * report live there for the hour the job is kept), and answers
   * its job at once (`Prefer: respond-async`) or its report when it ends.
   */
  const launch: ImportLauncher = async ({ request, reply, query, upload, reader, afterwards }) => {
    const domain = domainOf(request);
    const requester = actorOf(request);
    const id = timeOrderedId();
    const dir = await mkdtemp(join(tmpdir(), `${SPOOL_PREFIX}${process.pid}-`));
    files.set(id, dir);
    const read = await (async () => {
      if (upload) await spool(upload, join(dir, 'upload'));
      return reader(dir);
    })().catch(async (error: unknown) => {
      await forget(id)();
      throw error;
    });
    const task = async (signal: AbortSignal, onProgress: (p: ImportProgress) => void) => {
      const report = await runImport(db, config, requester, domain, read.reader, query, guards, { id, signal, onProgress }).catch(async (error: unknown) => {
        await read.done?.(undefined);
        throw error;
      });
      await read.done?.(report);
      return report;
    };
    const job = jobs.start(domain.id, id, requester.login, task, forget(id), () => keptFiles(dir));
    // A process stopping (SIGTERM) lets the import finish within its grace before it cancels it.
    drain.track(job.done);
    // The import ends outside any request's answer: what was read while it ran is not served again.
    void job.done.then(() => cache.invalidateAll());
    if (/\brespond-async\b/i.test(String(request.headers.prefer ?? ''))) {
      await job.recorded;
      return reply
        .code(202)
        .header('preference-applied', 'respond-async')
        .header('location', `/api/v1/domains/${domain.name}/jobs/${id}`)
        .send({ ...job.view }) as never;
    }
    const view = await job.done;
    if (view.error) throw new Problem(view.error.status, view.error.code, view.error.detail, view.error.errors);
    const report = view.result as ImportReport;
    if (afterwards) return afterwards(report, dir);
    if (report.mode === 'atomic' && report.problemCount && !report.dryRun) throw refused(report);
    return report;
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
        description: `Headers are matched case-insensitively, with the aliases of Webitel, Amazon Connect and Excel files; lists use \`|\`, skills \`name:level\`, licenses by name; \`password\` is judged by the policy and hashed, \`passwordHash\` takes argon2, bcrypt or PBKDF2 hashes from another system as they are. In atomic mode any problem refuses the whole file (400, every problem listed as rows/<row>/<column>); in partial mode the valid rows are written and the others reported; a dry run writes nothing and reports. A file that cannot be read — a quote never closed or stray, a header line or row over ${MAX_ROW.toLocaleString('en')} characters, a repeated header, bytes that are not its encoding, a NUL — is refused whole (400, naming the row, line or header); a row with another cell count than the header or a cell over ${MAX_CELL.toLocaleString('en')} characters is a problem of its row. With \`Prefer: respond-async\` the answer is 202 and the job (GET …/jobs/{id}; \`job\` events on the event stream carry its state and counts).`,
        params,
        querystring: importQuery,
        response: { 200: importResult, 202: jobView },
      },
      handler: async (request, reply) => {
        const body = request.body;
        if (!(body instanceof Readable)) throw invalid([{ path: 'body', code: 'import.not_csv', message: 'Send the file as text/csv' }]);
        return launch({
          request,
          reply,
          query: request.query,
          upload: body,
          reader: async (dir) => {
            const file = join(dir, 'upload');
            return {
              reader: csvReader(file, request.query),
              // The upload holds the file's passwords in clear: only the error report (secret cells
              // emptied) is kept, for the hour the job is. It has the file's delimiter, in UTF-8.
              done: async (report) => {
                if (report) {
                  const delimiter = report.delimiter === 'tab' ? '\t' : report.delimiter;
                  await pipeline(
                    Readable.from(withErrors(file, report)),
                    stringify({ bom: true, delimiter }),
                    createWriteStream(join(dir, 'report.csv'), { mode: 0o600 }),
                  );
                }
                await rm(file, { force: true });
              },
            };
          },
          afterwards: async (report, dir) => {
            if (request.query.report === 'csv') return sendErrorReport(reply, join(dir, 'report.csv')) as never;
            if (report.mode === 'atomic' && report.problemCount && !report.dryRun) throw refused(report);
            return report;
          },
        });
      },
    });

    // Both answer from memory a job this process runs (on SQLite, between the chunks of a running
    // import), another's from its row.
    scope.get('/api/v1/domains/:domain/jobs/:id', {
      config: { access: { permission: 'users:create' }, borrowsConnection: true },
      schema: { tags, summary: 'An import job: its state, progress and, when finished, its report', params: jobParams, response: { 200: jobView } },
      handler: async (request) => jobOf(request),
    });

    scope.post('/api/v1/domains/:domain/jobs/:id/cancel', {
      config: { access: { permission: 'users:create' }, borrowsConnection: true },
      schema: { tags, summary: 'Cancel a running import: nothing of it stays', params: jobParams, response: { 200: jobView } },
      handler: async (request) => {
        const job = await jobs.cancelAnywhere(domainOf(request).id, request.params.id);
        if (!job) throw notFound('Job');
        return job;
      },
    });

    scope.get('/api/v1/domains/:domain/jobs/:id/secrets.csv', {
      // A HEAD would take them for an answer it does not send.
      exposeHeadRoute: false,
      config: { access: { permission: 'users:create' } },
      schema: {
        tags,
        summary: 'The SIP secrets the import generated, once: answered whole, they are gone (an answer broken off leaves them to be asked again)',
        params: jobParams,
        produces: ['text/csv'],
      },
      handler: async (request, reply) => {
        const job = await jobOf(request);
        const taken = job.result?.written === true && (await board.takeSecrets(domainOf(request).id, job.id));
        if (!taken) throw notFound('Generated secrets (they are answered once, for a written import)');
        reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="sip-secrets.csv"').header('cache-control', 'no-store');
        return reply.send(Readable.from(secretsCsv(db, domainOf(request).id, job.id, cipher)));
      },
    });

    scope.get('/api/v1/domains/:domain/jobs/:id/report.csv', {
      config: { access: { permission: 'users:create' } },
      schema: {
        tags,
        summary:
          'The imported file as it came (UTF-8, its delimiter), with an `error` column and its secret cells left empty: fix the rows and send them again',
        params: jobParams,
        produces: ['text/csv'],
      },
      handler: async (request, reply) => {
        const job = await jobOf(request);
        if (!job.result) throw conflict('import.not_finished', 'The job has no report (yet)');
        const report = await board.report(domainOf(request).id, job.id);
        if (!report) throw notFound('An error file (a migration has none: its report names each entry by its origin)');
        return sendErrorReport(reply, Readable.from([Buffer.from(report, 'base64')]).pipe(createGunzip()));
      },
    });
  });
  return launch;
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
  await pipeline(body, limit, createWriteStream(file, { mode: 0o600 }));
}

const sendErrorReport = (reply: FastifyReply, report: string | Readable) =>
  reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', 'attachment; filename="import-report.csv"')
    .send(typeof report === 'string' ? createReadStream(report) : report);

/** What a finished import keeps in its row, for any process to answer: the error report, gzipped (its secret cells are empty). */
async function keptFiles(dir: string): Promise<KeptFiles> {
  const report = await readFile(join(dir, 'report.csv')).catch(() => null);
  return { report: report && (await gzipped(report)).toString('base64') };
}

const refused = (report: ImportReport) =>
  invalid(
    report.problems.slice(0, 1000).map((p) => ({
      path: `rows/${p.row}/${p.column}`,
      code: 'import.invalid_cell',
      message: `${p.origin ? `${p.origin}: ` : ''}${p.value ? `${JSON.stringify(p.value)}: ` : ''}${p.message}`,
    })),
    `${report.problemCount} problems in ${report.rows} rows: nothing was imported`,
  );

/** What a filled row of the template looks like. */
const templateExample: Record<string, string> = {
  login: 'anna.nowak',
  email: 'anna.nowak@example.com',
  firstName: 'Anna',
  lastName: 'Nowak',
  active: 'true',
  roles: 'agent',
  groups: 'Sales|Night shift',
  tags: 'vip',
  timezone: 'Europe/Warsaw',
  language: 'pl',
  extension: '1001',
  connection: 'webrtc',
  callerIdName: 'Anna Nowak',
  agent: 'true',
  skills: 'Polish:90|English:60',
  wrapUpTime: '15',
};
