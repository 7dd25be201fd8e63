import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecordReader, RecordSource } from '../import/records.ts';
import { invalid, Problem } from '../http/problem.ts';
import type { MigrationSource } from './entry.ts';
import { migrationSources } from './registry.ts';
import { migrationColumns, realmOf, recordOf, type TargetDomain } from './rules.ts';

/** What a migration reads, as plain data: an import in its own thread opens it there. */
export interface MigrationReading {
  source: string;
  /** A database source's URL (it may hold the database's password: never logged, never reported). */
  url?: string;
  table?: string;
  /** A file source's upload. */
  path?: string;
  domain: TargetDomain;
}

/** The records of what a migration reads, opened by its source's reader. */
export async function openRecords(reading: MigrationReading): Promise<RecordSource> {
  const source = migrationSources[reading.source];
  if (!source) throw invalid([{ path: 'source', code: 'migration.unknown_source', message: `No migration source named ${JSON.stringify(reading.source)}` }]);
  try {
    const items =
      source.kind === 'database'
        ? source.read(reading.url ?? '', { ...(reading.table ? { table: reading.table } : {}), realm: realmOf(reading.domain) })
        : source.read(reading.path ?? '');
    return recordsOf(items, reading.domain);
  } catch (error) {
    throw unreadable(error);
  }
}

/**
 * A PBX's accounts as the import's records: the migration's columns first, as a file's header
 * line, then one record per item of the source, read lazily, so the source streams into the
 * import chunk by chunk.
 */
export function recordsOf(items: MigrationSource, domain: TargetDomain): RecordSource {
  let done = false;
  return {
    encoding: 'utf-8',
    delimiter: '',
    // How many entries a source holds is known only once read.
    fraction: () => (done ? 1 : 0),
    async *records() {
      yield { cells: [...migrationColumns] };
      try {
        for await (const item of items) yield recordOf(item, domain);
      } catch (error) {
        throw unreadable(error);
      }
      done = true;
    },
  };
}

/**
 * A source that cannot be read at all (not an archive, no pjsip.conf, a database gone) refuses
 * the whole migration as bad input, in the reader's own words: they name files, hosts and lines,
 * never a secret.
 */
function unreadable(error: unknown): unknown {
  // A plain Error is a reader's refusal (or its archive library's); a TypeError and its kin are our faults.
  if (error instanceof Problem || !(error instanceof Error) || error.constructor !== Error) return error;
  return invalid([{ path: 'source', code: 'migration.source_unreadable', message: error.message }]);
}

export const migrationReader = (reading: MigrationReading): RecordReader => ({ module: import.meta.url, options: reading });

/**
 * Where a file source finds its upload (spooled as `upload`): named `.tar.gz` when it is one
 * (gzip's magic bytes), so the reader unpacks it.
 */
export async function uploadedPath(dir: string): Promise<string> {
  const spooled = join(dir, 'upload');
  const file = await open(spooled);
  const head = Buffer.alloc(2);
  await file.read(head, 0, 2, 0).finally(() => file.close());
  if (head[0] !== 0x1f || head[1] !== 0x8b) return spooled;
  await rename(spooled, `${spooled}.tar.gz`);
  return `${spooled}.tar.gz`;
}
