/**
 * Imports in a thread of their own, each with its own connection to the database,
 * so the server's event loop stays free while they write (see threads.ts). Each runs
 * `importUsers` as the server would, answers progress as messages, seals the generated secrets
 * into the job's file itself, and stops at a `cancel`.
 */
import { parentPort } from 'node:worker_threads';
import { recordChanges } from '../changes/store.ts';
import { DatabaseBusy } from '../db/busy.ts';
import { connect } from '../db/connect.ts';
import { checkpointAfterLongWrite } from '../db/statistics.ts';
import { Problem } from '../http/problem.ts';
import { safeguardsFor } from '../users/safeguards.ts';
import { importUsers } from './commands.ts';
import { openReader } from './records.ts';
import { appendSealed, keepSealedInJob } from './sealed-secrets.ts';
import type { FromWorker, ToWorker, WorkerTask } from './threads.ts';

const port = parentPort;
if (!port) throw new Error('import/worker.ts runs as a worker thread');
const tell = (message: FromWorker) => port.postMessage(message);
const running = new Map<string, AbortController>();

port.on('message', (message: ToWorker) => {
  if (message.type === 'cancel') running.get(message.id)?.abort(new Problem(409, 'import.cancelled', 'The import was cancelled; nothing of it was written'));
  else void run(message.task);
});

async function run(task: WorkerTask) {
  const { id } = task;
  const abort = new AbortController();
  running.set(id, abort);
  recordChanges(task.config.changeFeed);
  const storage = connect(task.config.databaseUrl, { longWriter: true });
  const guards = safeguardsFor(storage.db, task.config);
  try {
    const source = await openReader(task.reader);
    const report = await importUsers(storage.db, task.requester, task.domain, source, task.query, guards, {
      id,
      signal: abort.signal,
      onProgress: (progress) => tell({ type: 'progress', id, progress }),
      onSecrets: appendSealed(task.secretsFile, guards.cipher),
    });
    if (report.written) await keepSealedInJob(storage.db, id, task.secretsFile);
    await checkpointAfterLongWrite(storage.db, storage.engine);
    tell({ type: 'done', id, report });
  } catch (error) {
    const problem =
      error instanceof Problem
        ? error
        : error instanceof DatabaseBusy
          ? new Problem(503, error.code, error.message, undefined, { 'retry-after': '2' })
          : undefined;
    tell({
      type: 'failed',
      id,
      problem: problem && { status: problem.status, code: problem.code, detail: problem.detail, errors: problem.errors, headers: problem.headers },
      message: problem ? undefined : String((error as Error)?.stack ?? error),
    });
  } finally {
    running.delete(id);
    guards.crm.close();
    await storage.close();
  }
}
