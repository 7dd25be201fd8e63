/**
 * The thread that checks a SQLite import's rows (see worker.ts): it runs `importUsers` as the
 * server would, but its statements run on the import thread's connection, inside the import's
 * transaction there (db/remote.ts). While that thread writes one chunk, this one reads and checks
 * the next.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { remoteSqlite } from '../db/remote.ts';
import { runInBackground } from '../threads/spawn.ts';
import { cancelled, failureOf, importTask, type FromWorker, type WorkerTask } from './threads.ts';

const port = parentPort;
if (!port) throw new Error('import/checker.ts runs as a worker thread');
runInBackground();
const { task, statements } = workerData as { task: WorkerTask; statements: MessagePort };
const tell = (message: FromWorker) => port.postMessage(message);
const abort = new AbortController();
port.on('message', () => abort.abort(cancelled()));

try {
  const report = await importTask(remoteSqlite(statements), task, abort.signal, tell);
  tell({ type: 'done', id: task.id, report });
} catch (error) {
  tell({ type: 'failed', id: task.id, ...failureOf(error) });
} finally {
  statements.close();
  port.close();
}
