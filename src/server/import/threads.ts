import type { Worker } from 'node:worker_threads';
import { siblingModule, spawnThread } from '../threads/spawn.ts';
import type { Config } from '../config.ts';
import type { AuditActor } from '../audit/store.ts';
import type { Db } from '../db/schema.ts';
import { DatabaseBusy } from '../db/busy.ts';
import { Problem, type FieldProblem } from '../http/problem.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import type { Requester } from '../users/commands.ts';
import { safeguardsFor, type Safeguards } from '../users/safeguards.ts';
import { recordChanges } from '../changes/store.ts';
import { importUsers, type ImportRun } from './commands.ts';
import { openReader, type RecordReader } from './records.ts';
import { keptSealed } from './sealed-secrets.ts';
import type { ImportProgress, ImportQuery, ImportReport } from './schema.ts';

/** What the worker is given: everything `importUsers` needs that is not a connection. */
export interface WorkerTask {
  config: Config;
  requester: Requester & AuditActor;
  domain: DomainRecord;
  reader: RecordReader;
  query: ImportQuery;
  id: string;
}

/** An import as the server runs it: a job's, whose generated secrets are kept sealed with it (sealed-secrets.ts). */
export type ServerImportRun = Omit<ImportRun, 'onSecrets'> & { id: string };

/** What the import thread is started with: whether its imports are checked in a thread beside it (SQLite's). */
export interface ImportThreadData {
  checks: boolean;
}

export type ToWorker = { type: 'run'; task: WorkerTask } | { type: 'cancel'; id: string };

export type FromWorker = { id: string } & (
  | { type: 'progress'; progress: ImportProgress }
  | { type: 'done'; report: ImportReport }
  | {
      type: 'failed';
      problem?: { status: number; code: string; detail: string; errors?: FieldProblem[]; headers: Record<string, string> };
      message?: string;
    }
);

interface Running {
  run: ServerImportRun;
  resolve: (report: ImportReport) => void;
  reject: (error: unknown) => void;
}

/** How long the import thread is kept after the last import ended, for the next one. */
const IDLE_MS = 30_000;

/**
 * The thread imports run in: started with the first, kept for the next (loading the import's
 * code takes longer than a small import) until it has been idle for `idleMs`, holding the process
 * open only while one runs. Let go when idle, it takes its heap with it: kept, a thread that
 * imported 20,000 users on PostgreSQL held the ~150 MB its work had grown to for the life of the
 * process. One thread is enough: SQLite has one writer.
 */
export class ImportThread {
  #worker: Worker | undefined;
  #idle: NodeJS.Timeout | undefined;
  readonly #running = new Map<string, Running>();

  constructor(private readonly idleMs = IDLE_MS) {}

  /** The thread's id while one is up (running an import, or idle within `idleMs` of the last). */
  get threadId(): number | undefined {
    return this.#worker?.threadId;
  }

  run(task: WorkerTask, run: ServerImportRun): Promise<ImportReport> {
    clearTimeout(this.#idle);
    const worker = this.#started(task);
    return new Promise<ImportReport>((resolve, reject) => {
      this.#running.set(task.id, { run, resolve, reject });
      worker.ref();
      const cancel = () => worker.postMessage({ type: 'cancel', id: task.id } satisfies ToWorker);
      run.signal?.addEventListener('abort', cancel, { once: true });
      worker.postMessage({ type: 'run', task } satisfies ToWorker);
      if (run.signal?.aborted) cancel();
    });
  }

  #started(task: WorkerTask): Worker {
    if (this.#worker) return this.#worker;
    const data: ImportThreadData = { checks: task.config.databaseUrl.startsWith('sqlite:') };
    const worker = spawnThread(siblingModule(import.meta.url, 'worker'), data);
    this.#worker = worker;
    worker.on('message', (message: FromWorker) => this.#heard(message));
    const lost = (error: unknown) => {
      // A thread let go when idle ends with nothing of it running; the imports running now are
      // another thread's, started meanwhile.
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      for (const [id, running] of this.#running) {
        this.#running.delete(id);
        running.reject(error);
      }
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`the import thread ended (${code})`)));
    return worker;
  }

  #heard(message: FromWorker) {
    const running = this.#running.get(message.id);
    if (!running) return;
    const { run } = running;
    if (message.type === 'progress') return run.onProgress?.(message.progress);
    this.#running.delete(message.id);
    if (this.#running.size === 0) this.#idled();
    if (message.type === 'done') return running.resolve(message.report);
    const { problem } = message;
    if (problem) return running.reject(new Problem(problem.status, problem.code, problem.detail, problem.errors, problem.headers));
    running.reject(new Error(`the import failed in its thread: ${message.message}`));
  }

  /** Ends the thread now, whatever it runs (its imports roll back): for whoever owns it and is done with it. */
  async close(): Promise<void> {
    clearTimeout(this.#idle);
    await this.#worker?.terminate();
  }

  #idled() {
    this.#worker?.unref();
    this.#idle = setTimeout(() => {
      const worker = this.#worker;
      this.#worker = undefined;
      void worker?.terminate();
    }, this.idleMs).unref();
  }
}

const thread = new ImportThread();

/** The reason a cancelled import stops with. */
export const cancelled = () => new Problem(409, 'import.cancelled', 'The import was cancelled; nothing of it was written');

/** How a thread tells the import's failure: a problem as it is, a busy database as a 503, anything else as its stack. */
export function failureOf(error: unknown): Pick<Extract<FromWorker, { type: 'failed' }>, 'problem' | 'message'> {
  const problem =
    error instanceof Problem
      ? error
      : error instanceof DatabaseBusy
        ? new Problem(503, error.code, error.message, undefined, { 'retry-after': '2' })
        : undefined;
  return {
    problem: problem && { status: problem.status, code: problem.code, detail: problem.detail, errors: problem.errors, headers: problem.headers },
    message: problem ? undefined : String((error as Error)?.stack ?? error),
  };
}

/**
 * A task's import on `db`, as a thread of its own runs it (worker.ts on PostgreSQL, checker.ts on
 * SQLite): progress told by `tell`, generated secrets kept sealed with the job, and no
 * connection lent (nobody shares it).
 */
export async function importTask(db: Db, task: WorkerTask, signal: AbortSignal, tell: (message: FromWorker) => void): Promise<ImportReport> {
  recordChanges(task.config.changeFeed);
  const guards = safeguardsFor(db, task.config);
  try {
    const source = await openReader(task.reader);
    return await importUsers(db, task.requester, task.domain, source, task.query, guards, {
      id: task.id,
      signal,
      onProgress: (progress) => tell({ type: 'progress', id: task.id, progress }),
      onSecrets: keptSealed(task.id, guards.cipher),
      lends: false,
    });
  } finally {
    guards.crm.close();
  }
}

/** Whether imports run in a worker thread: always, but on a SQLite memory database (it has no second connection). */
export const importsInWorker = (config: Config) => config.databaseUrl !== 'sqlite::memory:';

/**
 * Runs an import in a worker thread with its own connection. On SQLite, whose driver is
 * synchronous, an import on the server's connection would hold the event loop for each of its
 * statements and keep every other request waiting for its end. SQLite in WAL mode lets the
 * server's connection read beside it — the directory as last committed, so as it was before the
 * import, which commits once — and writes wait for its end without blocking (db/busy.ts). On
 * PostgreSQL the import's own work (parsing, checking, hashing, building each chunk) would take
 * the event loop for a second at a time from the registrar and the event streams: phones behind a
 * load balancer went unanswered for as long as an import of 20,000 users ran. A cancel is a
 * message: the worker stops after the chunk it is writing and rolls back. A killed process takes
 * the thread with it, its transaction never committed.
 */
export function runImport(
  db: Db,
  config: Config,
  requester: Requester & AuditActor,
  domain: DomainRecord,
  reader: RecordReader,
  query: ImportQuery,
  guards: Safeguards,
  run: ServerImportRun,
): Promise<ImportReport> {
  if (!importsInWorker(config))
    return openReader(reader).then((source) =>
      importUsers(db, requester, domain, source, query, guards, { ...run, onSecrets: keptSealed(run.id, guards.cipher) }),
    );
  return thread.run({ config, requester, domain, reader, query, id: run.id }, run);
}
