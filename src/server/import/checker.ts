/**
 * The thread that checks a SQLite import's rows (see worker.ts): it runs `importUsers` as the
 * server would, but its statements run on the import thread's connection, inside the import's
 * transaction there (db/remote.ts). While that thread writes one chunk, this one reads and checks
 * the next.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { recordChanges } from '../changes/store.ts';
import { remoteSqlite } from '../db/remote.ts';
import { runInBackground } from '../threads/spawn.ts';
import { safeguardsFor } from '../users/safeguards.ts';
import { importUsers } from './commands.ts';
import { openReader } from './records.ts';
import { appendSealed } from './sealed-secrets.ts';
import { cancelled, failureOf, type FromWorker, type WorkerTask } from './threads.ts';

const port = parentPort;
if (!port) throw new Error('import/checker.ts runs as a worker thread');
runInBackground();
const { task, statements } = workerData as { task: WorkerTask; statements: MessagePort };
const tell = (message: FromWorker) => port.postMessage(message);
const abort = new AbortController();
port.on('message', () => abort.abort(cancelled()));

recordChanges(task.config.changeFeed);
const db = remoteSqlite(statements);
const guards = safeguardsFor(db, task.config);
try {
  const source = await openReader(task.reader);
  const report = await importUsers(db, task.requester, task.domain, source, task.query, guards, {
    id: task.id,
    signal: abort.signal,
    onProgress: (progress) => tell({ type: 'progress', id: task.id, progress }),
    onSecrets: appendSealed(task.secretsFile, guards.cipher),
    lends: false,
  });
  tell({ type: 'done', id: task.id, report });
} catch (error) {
  tell({ type: 'failed', id: task.id, ...failureOf(error) });
} finally {
  guards.crm.close();
  statements.close();
  port.close();
}
