import { sql } from 'kysely';
import type { Engine } from './connect.ts';
import type { Db } from './schema.ts';

/**
 * Keeps SQLite's planner statistics current, as SQLite advises (PRAGMA optimize): at start, every
 * table that never had them is analysed (0x10002), then, periodically, those that changed much.
 * Without them a directory filled by imports is planned as if it were empty. PostgreSQL's
 * autovacuum does this by itself.
 */
export async function refreshStatistics(db: Db, engine: Engine, atStart: boolean): Promise<void> {
  if (engine !== 'sqlite') return;
  await sql.raw(atStart ? 'pragma optimize = 0x10002' : 'pragma optimize').execute(db);
}

/**
 * After a long write on SQLite (an import, in its own thread): moves its pages from the WAL into
 * the database file, here, in that thread. Otherwise the next commit on the server's connection
 * would do it, synchronously, on the event loop: about a second per 200 MB written, during which
 * nothing else is answered. Writers wait meanwhile (without blocking, see busy.ts); readers don't.
 */
export async function checkpointAfterLongWrite(db: Db, engine: Engine): Promise<void> {
  if (engine !== 'sqlite') return;
  await sql.raw('pragma wal_checkpoint(TRUNCATE)').execute(db);
}
