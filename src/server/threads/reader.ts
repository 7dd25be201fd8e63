/**
 * A reader thread (see readers.ts): its own read-only connection to the SQLite file, running the
 * reads of the module it was given, one message each.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { connect } from '../db/connect.ts';
import { Problem } from '../http/problem.ts';
import type { FromReader, Reads, ToReader } from './reads.ts';

const port = parentPort;
if (!port) throw new Error('threads/reader.ts runs as a worker thread');
const { databaseUrl, module } = workerData as { databaseUrl: string; module: string };
const storage = connect(databaseUrl, { reader: true });
const reads = ((await import(module)) as { reads: Reads }).reads;

port.on('message', (message: ToReader) => void answer(message).then((reply) => port.postMessage(reply)));
port.postMessage({ ready: true } satisfies FromReader);

async function answer({ id, read, input }: ToReader): Promise<Exclude<FromReader, { ready: true }>> {
  try {
    const run = reads[read];
    if (!run) throw new Error(`no read named ${read}`);
    return { id, value: await run(storage.db, input) };
  } catch (error) {
    if (error instanceof Problem)
      return { id, problem: { status: error.status, code: error.code, detail: error.detail, errors: error.errors, headers: error.headers } };
    return { id, failure: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
}
