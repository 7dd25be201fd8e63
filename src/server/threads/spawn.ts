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
