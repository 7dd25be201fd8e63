import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import SQLite from 'better-sqlite3';
import { attachSignInFile, SIGN_IN_SCHEMA, signInFileOf } from '../db/sign-in-file.ts';

/** The names the two files take inside a backup, whatever the installation calls them. */
const DIRECTORY_FILE = 'switchboard.db';
const SIGN_IN_FILE = 'switchboard.sign-in.db';
export const SQLITE_FILES = [DIRECTORY_FILE, SIGN_IN_FILE];

/**
 * Copies the directory and its sign-in file with SQLite's online backup while the service keeps
 * writing. One read transaction spans both copies, each file's view fixed by its first read: the
 * sign-in file's first, so that the copy holds no session of a user the directory's copy lacks.
 */
export async function copySqlite(file: string, folder: string): Promise<string | null> {
  if (!existsSync(file)) throw new Error(`there is no database at ${file}`);
  const source = new SQLite(file, { fileMustExist: true });
  try {
    attachSignInFile(source, file);
    source.exec('begin');
    source.prepare(`select count(*) from ${SIGN_IN_SCHEMA}.sqlite_master`).get();
    const migration = lastMigration(source);
    await backUpSchema(source, 'main', join(folder, DIRECTORY_FILE));
    await backUpSchema(source, SIGN_IN_SCHEMA, join(folder, SIGN_IN_FILE));
    source.exec('commit');
    return migration;
  } finally {
    source.close();
  }
}

/** @types/better-sqlite3 does not declare the `attached` option that better-sqlite3 has. */
const backUpSchema = (source: SQLite.Database, schema: string, copy: string) => source.backup(copy, { attached: schema } as unknown as SQLite.BackupOptions);

function lastMigration(database: SQLite.Database): string | null {
  const table = database.prepare("select 1 from main.sqlite_master where type = 'table' and name = 'kysely_migration'").get();
  if (!table) return null;
  const row = database.prepare('select name from main.kysely_migration order by name desc limit 1').get() as { name: string } | undefined;
  return row?.name ?? null;
}

/**
 * Puts the two files of a backup in place of the database at `file`. A database that has tables
 * is replaced only when `force` is given; one that a process holds open never is.
 */
export function replaceSqlite(file: string, folder: string, force: boolean): void {
  mkdirSync(dirname(file), { recursive: true });
  for (const copy of SQLITE_FILES) assertWhole(join(folder, copy));
  const targets = [file, signInFileOf(file)];
  if (!force && hasTables(file)) throw new Error(`the database at ${file} is not empty: give --force to replace it`);
  // Closing the last connection folds the write-ahead log into the file and removes it: a log
  // still there means another process has the database open, and would be applied to the copy.
  for (const target of targets) closeCleanly(target);
  // The directory goes last: until it is renamed, the database is the one that was there.
  renameSync(join(folder, SIGN_IN_FILE), signInFileOf(file));
  renameSync(join(folder, DIRECTORY_FILE), file);
}

function assertWhole(copy: string): void {
  const database = new SQLite(copy, { readonly: true, fileMustExist: true });
  try {
    const [result] = database.pragma('quick_check', { simple: false }) as { quick_check: string }[];
    if (result?.quick_check !== 'ok') throw new Error('the backup is damaged: a database file in it fails its check');
  } finally {
    database.close();
  }
}

function hasTables(file: string): boolean {
  if (!existsSync(file)) return false;
  const database = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    return database.prepare("select 1 from sqlite_master where type = 'table'").get() !== undefined;
  } finally {
    database.close();
  }
}

function closeCleanly(target: string): void {
  if (!existsSync(target)) return;
  const database = new SQLite(target, { fileMustExist: true });
  database.prepare('select count(*) from sqlite_master').get();
  database.close();
  if (existsSync(`${target}-wal`)) throw new Error(`the database at ${target} is in use: stop the service before restoring`);
}
