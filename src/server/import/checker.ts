/**
 * The thread that checks a SQLite import's rows (see worker.ts): it runs `importUsers` as the
 * server would, but its statements run on the import thread's connection, inside the import's
 * transaction there (db/remote.ts). While that thread writes one chunk, this one reads and checks
 * the next. It lives as long as the import thread and checks its imports one after the other:
 * started for each, a thread's start (its modules loaded, at the import's low priority) took
 * longer on a busy machine than a small file's whole import.
 */
import { parentPort, type MessagePort } from 'node:worker_threads';
import { remoteSqlite } from '../db/remote.ts';
import { runInBackground } from '../threads/spawn.ts';
import { cancelled, failureOf, importTask, type FromWorker, type WorkerTask } from './threads.ts';

/** What the import thread tells its checker: an import to check, its statements sent through `statements`; or to stop it. */
export type ToChecker = { type: 'check'; task: WorkerTask; statements: MessagePort } | { type: 'cancel' };

const port = parentPort;
if (!port) throw new Error('import/checker.ts runs as a worker thread');
runInBackground();
const tell = (message: FromWorker) => port.postMessage(message);
let abort: AbortController | undefined;

port.on('message', (message: ToChecker) => {
  if (message.type === 'cancel') abort?.abort(cancelled());
  else void check(message.task, message.statements);
});

async function check(task: WorkerTask, statements: MessagePort) {
  const running = new AbortController();
  abort = running;
  const remote = remoteSqlite(statements);
  try {
    const report = await importTask(remote.db, task, running.signal, tell);
    tell({ type: 'done', id: task.id, report });
  } catch (error) {
    tell({ type: 'failed', id: task.id, ...failureOf(error) });
  } finally {
    remote.release();
    statements.close();
    if (abort === running) abort = undefined;
  }
}
