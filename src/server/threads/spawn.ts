import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { Worker, type TransferListItem } from 'node:worker_threads';

/**
 * A worker thread running `file`. Run from source (tests, benches), the thread first registers tsx
 * to load TypeScript: on Node 20 the `--import tsx` of the process does not reach a worker's entry file.
 */
export function spawnThread(file: URL, workerData?: unknown, transferList?: TransferListItem[]): Worker {
  if (!file.pathname.endsWith('.ts')) return new Worker(file, { workerData, transferList });
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  return new Worker(`import(${tsx}).then(({ register }) => { register(); return import(${JSON.stringify(file.href)}); });`, {
    eval: true,
    workerData,
    transferList,
  });
}

/** A module beside `base` (its import.meta.url), as this build names it: `.ts` from source, `.js` once built. */
export const siblingModule = (base: string, name: string): URL => new URL(`${name}.${base.endsWith('.ts') ? 'ts' : 'js'}`, base);

/**
 * Lowers the priority of the calling thread (nice 10), for threads of long background work (an
 * import): on a machine with as many busy threads as cores, the server's event loop then gets a
 * core whenever it has a request to answer, and the background work the rest. Linux sets the
 * nice value per thread, addressed by its id; elsewhere this does nothing.
 */
export function runInBackground(): void {
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(threadId)) setPriority(threadId, BACKGROUND_NICE);
  } catch {
    // No /proc (not Linux) or no permission: the thread keeps the process's priority.
  }
}

const BACKGROUND_NICE = 10;
