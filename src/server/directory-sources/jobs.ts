import { Problem } from '../http/problem.ts';
import type { JobBoard, SharedJob } from '../jobs/board.ts';
import { syncRunning } from './commands.ts';
import type { SyncJobView, SyncReport } from './schema.ts';

interface Job {
  domainId: string;
  view: SyncJobView;
  abort: AbortController;
  done: Promise<SyncJobView>;
  /** Its row is written: every process of the cluster finds it. */
  recorded: Promise<void>;
}

/** How long a finished job is kept in the process that ran it (its row, for the others, as long). */
const KEPT_MS = 60 * 60 * 1000;

/**
 * Syncs running in this process and the ones finished in the last hour, as the import keeps its
 * jobs: each change of a job is published to its domain's event stream (`job` events, counts
 * only), the job is answered from memory by the process that runs it and from the board by any
 * other. One sync of a source at a time: here in a process, across the cluster by the board (a
 * started sync is refused while another process runs one) and the schedule's claim.
 */
export class SyncJobs {
  readonly #jobs = new Map<string, Job>();

  constructor(
    private readonly publish: (domainId: string, event: Omit<SyncJobView, 'result'>) => Promise<void>,
    private readonly board: JobBoard,
  ) {}

  start(
    domainId: string,
    source: string,
    id: string,
    startedBy: string,
    task: (signal: AbortSignal, onProgress: (entries: number) => void) => Promise<SyncReport>,
  ): Job {
    if ([...this.#jobs.values()].some((j) => j.view.source === source && j.view.state === 'running')) throw syncRunning();
    const abort = new AbortController();
    const view: SyncJobView = {
      id,
      kind: 'directory.sync',
      source,
      state: 'running',
      startedAt: new Date().toISOString(),
      finishedAt: null,
      startedBy,
      progress: { entries: 0 },
      result: null,
      error: null,
    };
    const changed = () => {
      const { result: _result, ...event } = view;
      void this.publish(domainId, { ...event, progress: { ...view.progress } }).catch(() => undefined);
    };
    const finish = async (state: SyncJobView['state'], fields: Partial<SyncJobView>) => {
      const end = { ...view, state, finishedAt: new Date().toISOString(), ...fields };
      await this.board.closed(end);
      Object.assign(view, end);
      changed();
      setTimeout(() => this.#jobs.delete(id), KEPT_MS).unref();
      return { ...view };
    };
    let reported = 0;
    // Its row is asked for before the task takes a connection (SQLite in memory has one).
    const recorded = this.board.opened(domainId, view, () => void this.cancel(job));
    const done = task(abort.signal, (entries) => {
      view.progress = { entries };
      this.board.progressed(id, view.progress);
      // At most four events a second: a large directory comes in many pages.
      if (Date.now() - reported < 250) return;
      reported = Date.now();
      changed();
    }).then(
      (result) => finish('succeeded', { result }),
      (error: unknown) => {
        if (abort.signal.aborted) return finish('cancelled', {});
        const problem = error instanceof Problem ? error : new Problem(500, 'directory_source.sync_failed', 'The sync failed; nothing of it was written');
        return finish('failed', { error: { status: problem.status, code: problem.code, detail: problem.detail } });
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

  /** A sync of any process of the cluster. */
  async read(domainId: string, id: string): Promise<SyncJobView | undefined> {
    const job = this.get(domainId, id);
    return job ? { ...job.view } : viewOf(await this.board.read(domainId, id));
  }

  /** Cancels a sync of any process of the cluster; answers it once ended. */
  async cancelAnywhere(domainId: string, id: string): Promise<SyncJobView | undefined> {
    const job = this.get(domainId, id);
    return job ? this.cancel(job) : viewOf(await this.board.cancel(domainId, id));
  }

  /** Cancels a running sync: its transaction rolls back, so nothing of it stays. */
  async cancel(job: Job): Promise<SyncJobView> {
    if (job.view.state === 'running') job.abort.abort(new Problem(409, 'directory_source.sync_cancelled', 'The sync was cancelled; nothing of it was written'));
    return job.done;
  }

  /** Cancels what runs (the process is closing). */
  async close(): Promise<void> {
    await Promise.all([...this.#jobs.values()].map((job) => this.cancel(job)));
    this.#jobs.clear();
    this.board.close();
  }
}

const viewOf = (job: SharedJob | undefined) => job as SyncJobView | undefined;
