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
  await forgetValueSamples(db);
}

/**
 * Keeps SQLite's statistics of each index (sqlite_stat1) and forgets its samples of values
 * (sqlite_stat4). better-sqlite3's SQLite is built with STAT4: with samples, a statement with
 * `column = ?` that an index could serve is planned for the value bound, so it is prepared anew
 * every time a value is bound to it (under load, preparing again was 8% of the server's CPU, more
 * than some of the queries). Samples only help where a few values cover most rows; the
 * directory's look-ups are by keys unique or nearly so.
 */
async function forgetValueSamples(db: Db): Promise<void> {
  const { rows } = await sql<{ samples: number }>`select count(*) as samples from sqlite_schema where name = 'sqlite_stat4'`.execute(db);
  if (!rows[0]?.samples) return;
  await sql`delete from sqlite_stat4`.execute(db);
  // Makes every connection read the statistics again (ANALYZE changes the schema's version).
  await sql.raw('analyze sqlite_schema').execute(db);
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
