import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../db/schema.ts';
import { beat, endOrphan, insertJob, jobById, jobReport, requestCancel, runningOn, takeSecrets, writeEnd, writeProgress, type JobRow } from './store.ts';

/** A job as every process reads it: the fields of an import's or a sync's view. */
export interface SharedJob {
  id: string;
  kind: string;
  source?: string;
  state: 'running' | 'succeeded' | 'failed' | 'cancelled';
  startedAt: string;
  finishedAt: string | null;
  startedBy: string;
  progress: unknown;
  result: unknown;
  error: unknown;
}

/** How often the owner proves its running jobs alive and looks for cancels asked elsewhere. */
const BEAT_MS = 500;
/** Progress is written at most this often (it arrives with every chunk). */
const PROGRESS_MS = 500;
/** A running job not proven alive for this long lost its process. */
const ORPHANED_AFTER_MS = 10_000;
/** How long a cancel through another process waits for the job's end before answering it as it is. */
const CANCEL_WAIT_MS = 10_000;

const orphaned = {
  status: 500,
  code: 'job.orphaned',
  detail: 'The process that ran the job stopped before it ended: what the job had not committed was not written',
};

interface Local {
  cancel: () => void;
  /** Writes of this job, in order: its row, its progress, its end. */
  writes: Promise<void>;
  progress?: unknown;
  progressTimer?: NodeJS.Timeout;
  writtenAt: number;
}

/**
 * The jobs of one kind family as the whole cluster sees them: the process that runs a job keeps it
 * in memory and writes its row (progress at a bounded rate), proves it alive, and acts on a cancel
 * another process asked for within `BEAT_MS`; any other process answers the job from the row, a
 * job whose process died as failed (`job.orphaned`). A write that fails is reported and skipped:
 * the job itself goes on.
 */
export class JobBoard {
  readonly owner = randomUUID();
  readonly #local = new Map<string, Local>();
  #timer: NodeJS.Timeout | undefined;
  #beating = false;

  constructor(
    private readonly db: Db,
    private readonly kinds: string[],
    private readonly onError: (error: unknown) => void,
  ) {}

  /**
   * A job started in this process; `cancel` is called when another process asks. Answers once its
   * row is written: a job answered 202 is then found by every process.
   */
  opened(domainId: string, job: SharedJob, cancel: () => void): Promise<void> {
    const now = new Date().toISOString();
    const row = { ...rowOf(domainId, job), owner: this.owner, heartbeat_at: now };
    const writes = this.#write(() => insertJob(this.db, row));
    this.#local.set(job.id, { cancel, writes, writtenAt: 0 });
    this.#timer ??= setInterval(() => void this.#beat(), BEAT_MS).unref();
    return writes;
  }

  progressed(id: string, progress: unknown): void {
    const local = this.#local.get(id);
    if (!local) return;
    local.progress = progress;
    local.progressTimer ??= setTimeout(() => this.#flushProgress(id, local), Math.max(0, local.writtenAt + PROGRESS_MS - Date.now()));
  }

  #flushProgress(id: string, local: Local) {
    local.progressTimer = undefined;
    local.writtenAt = Date.now();
    const progress = JSON.stringify(local.progress);
    local.writes = local.writes.then(() => this.#write(() => writeProgress(this.db, id, progress)));
  }

  /** A job of this process ended: its row takes its end and what it keeps (its report). */
  async closed(job: SharedJob, kept: { report?: string | null } = {}): Promise<void> {
    const local = this.#local.get(job.id);
    if (!local) return;
    clearTimeout(local.progressTimer);
    this.#local.delete(job.id);
    if (this.#local.size === 0) this.#timer = void clearInterval(this.#timer);
    const end = {
      state: job.state,
      finished_at: job.finishedAt,
      progress: JSON.stringify(job.progress),
      result: json(job.result),
      error: json(job.error),
      report: kept.report ?? null,
    };
    await local.writes.then(() => this.#write(() => writeEnd(this.db, job.id, end)));
  }

  /** A job of any process, as its row has it; undefined when there is none of these kinds. */
  async read(domainId: string, id: string): Promise<SharedJob | undefined> {
    const row = await jobById(this.db, domainId, id, this.kinds);
    if (!row) return undefined;
    const now = new Date();
    const stale = new Date(now.getTime() - ORPHANED_AFTER_MS);
    if (row.state !== 'running' || row.heartbeat_at >= stale.toISOString()) return jobOf(row);
    await endOrphan(this.db, id, stale, now, JSON.stringify(orphaned));
    return jobOf((await jobById(this.db, domainId, id, this.kinds)) ?? row);
  }

  /** Whether a job of `kind` on `source` runs in any live process of the cluster. */
  running(domainId: string, kind: string, source: string): Promise<boolean> {
    return runningOn(this.db, domainId, kind, source, new Date(Date.now() - ORPHANED_AFTER_MS));
  }

  /** Asks the process running a job to cancel it, and answers the job once it ended (or the wait did). */
  async cancel(domainId: string, id: string): Promise<SharedJob | undefined> {
    const deadline = Date.now() + CANCEL_WAIT_MS;
    if (!(await requestCancel(this.db, id, new Date()))) return this.read(domainId, id);
    for (;;) {
      const job = await this.read(domainId, id);
      if (!job || job.state !== 'running' || Date.now() > deadline) return job;
      await sleep(100);
    }
  }

  report(domainId: string, id: string): Promise<string | null | undefined> {
    return jobReport(this.db, domainId, id);
  }

  /** Takes a job's generated secrets for their one answer (store.ts takeSecrets). */
  takeSecrets(domainId: string, id: string): Promise<boolean> {
    return takeSecrets(this.db, domainId, id);
  }

  /** Stops proving jobs alive (the process is closing; its jobs were cancelled and closed). */
  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  // One at a time: on an SQLite memory database a beat waits for the import's transaction.
  async #beat() {
    if (this.#beating) return;
    this.#beating = true;
    try {
      for (const id of await beat(this.db, this.owner, new Date())) this.#local.get(id)?.cancel();
    } catch (error) {
      this.onError(error);
    } finally {
      this.#beating = false;
    }
  }

  #write(write: () => Promise<void>): Promise<void> {
    return write().catch(this.onError);
  }
}

const json = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));

const rowOf = (domainId: string, job: SharedJob): JobRow => ({
  id: job.id,
  domain_id: domainId,
  kind: job.kind,
  source: job.source ?? null,
  state: job.state,
  started_by: job.startedBy,
  started_at: job.startedAt,
  finished_at: job.finishedAt,
  progress: JSON.stringify(job.progress),
  result: json(job.result),
  error: json(job.error),
  heartbeat_at: new Date().toISOString(),
});

const jobOf = (row: JobRow): SharedJob => ({
  id: row.id,
  kind: row.kind,
  ...(row.source === null ? {} : { source: row.source }),
  state: row.state as SharedJob['state'],
  startedAt: row.started_at,
  finishedAt: row.finished_at,
  startedBy: row.started_by,
  progress: JSON.parse(row.progress) as unknown,
  result: row.result === null ? null : (JSON.parse(row.result) as unknown),
  error: row.error === null ? null : (JSON.parse(row.error) as unknown),
});
