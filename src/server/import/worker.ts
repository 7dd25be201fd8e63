/**
 * Imports in a thread of their own, each with its own connection to the database,
 * so the server's event loop stays free while they write (see threads.ts). Each runs
 * `importUsers` as the server would, answers progress as messages, seals the generated secrets
 * itself, and stops at a `cancel`.
 *
 * On SQLite the work is split over two threads: this one holds the connection and its
 * transaction and runs the statements, a checker thread (checker.ts) reads and checks the rows
 * and sends its statements here (db/remote.ts). So one chunk is checked while the one before is
 * written. On PostgreSQL the statements wait for the server, and those waits already let the
 * next chunk be read meanwhile.
 */
import { MessageChannel, parentPort, workerData, type MessagePort, type Worker } from 'node:worker_threads';
import { connect, type Storage } from '../db/connect.ts';
import { holdStatements } from '../db/remote.ts';
import { checkpointAfterLongWrite } from '../db/statistics.ts';
import { runInBackground, siblingModule, spawnThread } from '../threads/spawn.ts';
import type { ToChecker } from './checker.ts';
import type { ImportReport } from './schema.ts';
import { cancelled, failureOf, importTask, type FromWorker, type ImportThreadData, type ToWorker, type WorkerTask } from './threads.ts';

const port = parentPort;
if (!port) throw new Error('import/worker.ts runs as a worker thread');
const checkerThread = (): Worker => spawnThread(siblingModule(import.meta.url, 'checker'));
/** Checker threads between two imports, kept for the next as long as this thread lives (one an import: imports may overlap). */
const idleCheckers: Worker[] = [];
// Started before this thread lowers its priority, which a thread inherits from the one starting it.
if ((workerData as ImportThreadData | undefined)?.checks) idleCheckers.push(checkerThread());
runInBackground();
const tell = (message: FromWorker) => port.postMessage(message);
const cancels = new Map<string, () => void>();

port.on('message', (message: ToWorker) => {
  if (message.type === 'cancel') cancels.get(message.id)?.();
  else void run(message.task);
});

async function run(task: WorkerTask) {
  const { id } = task;
  const storage = connect(task.config.databaseUrl, { longWriter: true });
  try {
    const report = storage.engine === 'sqlite' ? await checkedBeside(storage, task) : await importedHere(storage, task);
    await checkpointAfterLongWrite(storage.db, storage.engine);
    tell({ type: 'done', id, report });
  } catch (error) {
    tell(error instanceof CheckerFailed ? error.told : { type: 'failed', id, ...failureOf(error) });
  } finally {
    cancels.delete(id);
    await storage.close();
  }
}

async function importedHere(storage: Storage, task: WorkerTask): Promise<ImportReport> {
  const abort = new AbortController();
  cancels.set(task.id, () => abort.abort(cancelled()));
  return importTask(storage.db, task, abort.signal, tell);
}

/** The import run by a checker thread, its statements run here; its progress passed on as it comes. */
async function checkedBeside(storage: Storage, task: WorkerTask): Promise<ImportReport> {
  const { port1, port2 } = new MessageChannel();
  const held = holdStatements(storage.db, port1);
  const checker = idleCheckers.pop() ?? checkerThread();
  // The holder fails the statements queued behind the cancel instead of running them first.
  cancels.set(task.id, () => (held.cancel(cancelled()), checker.postMessage({ type: 'cancel' } satisfies ToChecker)));
  const checked = checkedBy(checker, task, port2);
  try {
    return await checked;
  } finally {
    await held.close();
    port1.close();
    // A checker that told its end is kept for the next import; one lost otherwise goes.
    const told = await checked.then(
      () => true,
      (error: unknown) => error instanceof CheckerFailed,
    );
    if (told) idleCheckers.push(checker);
    else void checker.terminate();
  }
}

/** The checker's answer to `task`, its progress passed on as it comes; it fails with CheckerFailed as the checker told it. */
function checkedBy(checker: Worker, task: WorkerTask, statements: MessagePort): Promise<ImportReport> {
  return new Promise<ImportReport>((resolve, reject) => {
    const settled = () => checker.off('message', heard).off('error', lost).off('exit', lost);
    const heard = (message: FromWorker) => {
      if (message.id !== task.id) return;
      if (message.type === 'progress') return tell(message);
      settled();
      if (message.type === 'done') resolve(message.report);
      else reject(new CheckerFailed(message));
    };
    const lost = (error: unknown) => {
      settled();
      reject(error instanceof Error ? error : new Error(`the import's checker thread ended (${String(error)})`));
    };
    checker.on('message', heard).on('error', lost).on('exit', lost);
    checker.postMessage({ type: 'check', task, statements } satisfies ToChecker, [statements]);
  });
}

/** The checker's failure, told on as it came. */
class CheckerFailed extends Error {
  constructor(readonly told: FromWorker) {
    super('the import failed in its checker thread');
  }
}
