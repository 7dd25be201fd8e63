import { z } from 'zod';
import { Problem } from '../http/problem.ts';
import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { countImportRows } from '../metrics/counters.ts';
import type { JobBoard, SharedJob } from '../jobs/board.ts';
import type { RecordReader } from './records.ts';
import { importResult, type ImportProgress, type ImportQuery, type ImportReport } from './schema.ts';

const progress = z.object({
  rows: z.number().int().describe('Rows read so far'),
  created: z.number().int(),
  updated: z.number().int(),
  skipped: z.number().int(),
  problems: z.number().int().describe('Problems found so far'),
  rowsPerSecond: z.number().int(),
  fraction: z.number().min(0).max(1).describe('How much of the file is read'),
});

export const jobView = z.object({
  id: z.string(),
  kind: z.literal('users.import'),
  state: z.enum(['running', 'succeeded', 'failed', 'cancelled']).describe('succeeded: the import ran to its end (its result says whether it was written)'),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  startedBy: z.string(),
  progress,
  result: importResult.nullable(),
  error: z
    .object({
      status: z.number().int(),
      code: z.string(),
      detail: z.string(),
      errors: z.array(z.object({ path: z.string(), code: z.string(), message: z.string() })).optional(),
    })
    .nullable(),
});

export type JobView = z.infer<typeof jobView>;

/**
 * A job as its domain's event stream carries it, to every console: its state and counts, never
 * its report — which quotes cells of the file — nor its problems. GET …/jobs/{id} answers those.
 */
export type JobEvent = Omit<JobView, 'result' | 'error'> & { error: { status: number; code: string } | null };

const eventOf = ({ result: _result, error, ...job }: JobView): JobEvent => ({
  ...job,
  progress: { ...job.progress },
  error: error && { status: error.status, code: error.code },
});

interface Job {
  domainId: string;
  view: JobView;
  abort: AbortController;
  done: Promise<JobView>;
  /** Its row is written: every process of the cluster finds it. */
  recorded: Promise<void>;
}

/** How long a finished job (and its spool folder) is kept in the process that ran it. */
const KEPT_MS = 60 * 60 * 1000;

/** What a finished import keeps in its row for any process to answer: its error report (its generated secrets are kept apart, sealed-secrets.ts). */
export interface KeptFiles {
  report: string | null;
}

/**
 * The imports running in this process and the ones finished in the last hour. Each change of a
 * job is published to its domain's event stream, which every process of a cluster hears; the job
 * is answered from memory by the process that runs it, and from the board (jobs/board.ts) by any
 * other, which cancels it through the board too.
 */
export class ImportJobs {
  readonly #jobs = new Map<string, Job>();

  constructor(
    private readonly publish: (domainId: string, event: JobEvent) => Promise<void>,
    private readonly board: JobBoard,
  ) {}

  start(
    domainId: string,
    id: string,
    startedBy: string,
    task: (signal: AbortSignal, onProgress: (p: ImportProgress) => void) => Promise<ImportReport>,
    cleanup: () => Promise<void>,
    kept: () => Promise<KeptFiles>,
  ): Job {
    const abort = new AbortController();
    const view: JobView = {
      id,
      kind: 'users.import',
      state: 'running',
      startedAt: new Date().toISOString(),
      finishedAt: null,
      startedBy,
      progress: { rows: 0, created: 0, updated: 0, skipped: 0, problems: 0, rowsPerSecond: 0, fraction: 0 },
      result: null,
      error: null,
    };
    const changed = () => void this.publish(domainId, eventOf(view)).catch(() => undefined);
    // The board has the end before the event stream tells it: a console that reads it then finds it.
    const finish = async (state: JobView['state'], fields: Partial<JobView>) => {
      const end = { ...view, state, finishedAt: new Date().toISOString(), ...fields };
      await this.board.closed(end, await kept().catch(() => undefined));
      Object.assign(view, end);
      changed();
      setTimeout(() => void this.#forget(id, cleanup), KEPT_MS).unref();
      return { ...view };
    };
    // Its row is asked for before the task takes a connection (SQLite in memory has one).
    const recorded = this.board.opened(domainId, view, () => void this.cancel(job));
    const done = task(abort.signal, (p) => {
      countImportRows(p.rows - view.progress.rows);
      view.progress = p;
      this.board.progressed(id, p);
      changed();
    }).then(
      (result) => finish('succeeded', { result, progress: { ...view.progress, ...progressOf(result) } }),
      (error: unknown) => {
        if (abort.signal.aborted) return finish('cancelled', {});
        const problem = error instanceof Problem ? error : new Problem(500, 'import.failed', 'The import failed; nothing of it was written');
        return finish('failed', {
          error: { status: problem.status, code: problem.code, detail: problem.detail, ...(problem.errors ? { errors: problem.errors } : {}) },
        });
      },
    );
    const job: Job = { domainId, view, abort, done, recorded };
    this.#jobs.set(id, job);
    changed();
    return job;
  }

  get(domainId: string, id: string): Job | undefined {
    const job = this.#jobs.get(id);
    return job?.domainId === domainId ? job : undefined;
  }

  /** A job of any process of the cluster. */
  async read(domainId: string, id: string): Promise<JobView | undefined> {
    const job = this.get(domainId, id);
    return job ? { ...job.view } : viewOf(await this.board.read(domainId, id));
  }

  /** Cancels a job of any process of the cluster; answers it once ended. */
  async cancelAnywhere(domainId: string, id: string): Promise<JobView | undefined> {
    const job = this.get(domainId, id);
    return job ? this.cancel(job) : viewOf(await this.board.cancel(domainId, id));
  }

  /** Cancels a running job: its transaction rolls back, so nothing of it stays. */
  async cancel(job: Job): Promise<JobView> {
    if (job.view.state === 'running') job.abort.abort(new Problem(409, 'import.cancelled', 'The import was cancelled; nothing of it was written'));
    return job.done;
  }

  /** Cancels what runs and forgets everything (the process is closing). */
  async close(cleanups: () => Promise<void>): Promise<void> {
    await Promise.all([...this.#jobs.values()].map((job) => this.cancel(job)));
    this.#jobs.clear();
    this.board.close();
    await cleanups();
  }

  async #forget(id: string, cleanup: () => Promise<void>) {
    this.#jobs.delete(id);
    await cleanup().catch(() => undefined);
  }
}

const viewOf = (job: SharedJob | undefined) => job as JobView | undefined;

const progressOf = (result: ImportReport) => ({
  fraction: 1,
  rows: result.rows,
  created: result.created,
  updated: result.updated,
  skipped: result.skippedCount,
  problems: result.problemCount,
});

/**
 * Starts an import job for a route: the CSV import's, and a migration's from a PBX. An `upload`
 * is spooled to `upload` in the job's own folder first; `reader` is given that folder and answers
 * what to read, and what to do with the folder once the import ended (`done`: with the report,
 * or undefined when it failed). `afterwards` answers a finished job instead of its report.
 */
export type ImportLauncher = (launch: {
  request: FastifyRequest & { params: { domain: string } };
  reply: FastifyReply;
  query: ImportQuery;
  upload?: Readable;
  reader: (dir: string) => Promise<{ reader: RecordReader; done?: (report: ImportReport | undefined) => Promise<void> }>;
  afterwards?: (report: ImportReport, dir: string) => Promise<ImportReport>;
}) => Promise<ImportReport>;
