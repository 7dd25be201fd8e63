import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { Db } from '../db/schema.ts';
import { Problem } from '../http/problem.ts';
import type { FromReader, Reads, ToReader } from './reads.ts';
import { siblingModule, spawnThread } from './spawn.ts';

interface Thread {
  worker: Worker;
  ready: boolean;
  waiting: Map<number, { resolve: (value: unknown) => void; reject: (error: unknown) => void }>;
}

/**
 * Long reads (a search of the users list) on SQLite. better-sqlite3 is synchronous: a read on the
 * server's connection holds the event loop for its whole length, and every other request waits
 * behind it. So these reads run in threads of their own, each with its own read-only connection:
 * beside each other on every core, and beside the server's writer (SQLite in WAL mode lets
 * readers see the last commit while a write is under way; an import's rows appear once it
 * commits). PostgreSQL has a pool and an in-memory SQLite database no second connection: there
 * (and with no threads configured) the reads run on the server's own connection.
 */
export class ReaderThreads<R extends Reads> {
  readonly #threads: Thread[] = [];
  #next = 0;

  constructor(
    private readonly reads: R,
    private readonly module: URL,
    private readonly db: Db,
    private readonly databaseUrl: string,
    private readonly size: number,
  ) {}

  run<K extends keyof R & string>(read: K, input: Parameters<R[K]>[1]): Promise<Awaited<ReturnType<R[K]>>> {
    const thread = this.size === 0 ? undefined : this.#leastBusy();
    if (!thread) return (this.reads[read] as R[K])(this.db, input) as Promise<Awaited<ReturnType<R[K]>>>;
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      thread.waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      thread.worker.ref();
      thread.worker.postMessage({ id, read, input } satisfies ToReader);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.#threads.splice(0).map((t) => t.worker.terminate()));
  }

  /**
   * The ready thread with the fewest reads waiting, starting another while all are busy. Until the
   * first is ready (loading its code takes a moment) reads run on the server's connection.
   */
  #leastBusy(): Thread | undefined {
    const ready = this.#threads.filter((t) => t.ready);
    if (this.#threads.length < this.size && ready.length === this.#threads.length && ready.every((t) => t.waiting.size > 0)) this.#start();
    return ready.reduce<Thread | undefined>((a, b) => (a === undefined || b.waiting.size < a.waiting.size ? b : a), undefined);
  }

  #start(): void {
    const worker = spawnThread(siblingModule(import.meta.url, 'reader'), { databaseUrl: this.databaseUrl, module: this.module.href });
    const thread: Thread = { worker, ready: false, waiting: new Map() };
    this.#threads.push(thread);
    worker.unref();
    worker.on('message', (message: FromReader) => {
      if ('ready' in message) return void (thread.ready = true);
      const waiting = thread.waiting.get(message.id);
      thread.waiting.delete(message.id);
      // An idle thread does not keep the process running.
      if (thread.waiting.size === 0) worker.unref();
      if (!waiting) return;
      if ('value' in message) return waiting.resolve(message.value);
      if ('problem' in message) {
        const { status, code, detail, errors, headers } = message.problem;
        return waiting.reject(new Problem(status, code, detail, errors, headers));
      }
      waiting.reject(new Error(`a read failed in its thread: ${message.failure}`));
    });
    const lost = (error: unknown) => {
      const at = this.#threads.indexOf(thread);
      if (at >= 0) this.#threads.splice(at, 1);
      for (const waiting of thread.waiting.values()) waiting.reject(error);
      thread.waiting.clear();
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`a reader thread ended (${code})`)));
  }
}

/** How many reader threads: one per core up to `wanted`, on a SQLite file only. */
export const readerThreadCount = (databaseUrl: string, wanted: number): number =>
  databaseUrl.startsWith('sqlite:') && databaseUrl !== 'sqlite::memory:' ? Math.min(wanted, availableParallelism()) : 0;
