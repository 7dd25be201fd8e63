import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Config } from '../config.ts';
import { connect, type Engine } from '../db/connect.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { readArchive, writeArchive } from './archive.ts';
import { dumpPostgres, POSTGRES_FILES, restorePostgres } from './postgres.ts';
import { keyPlace, unopenedSecrets } from './sealed-secrets.ts';
import { copySqlite, replaceSqlite, SQLITE_FILES } from './sqlite.ts';

const engineOf = (url: string): Engine => (url.startsWith('sqlite:') ? 'sqlite' : 'postgres');
const sqliteFile = (url: string) => resolve(url.slice('sqlite:'.length));

/** A folder of its own beside `near`: renames from it stay on one file system. */
async function inScratchFolder<T>(near: string, work: (folder: string) => Promise<T>): Promise<T> {
  mkdirSync(near, { recursive: true });
  const folder = mkdtempSync(join(near, '.switchboard-backup-'));
  try {
    return await work(folder);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Writes a backup of the configured database to `file`; answers what the operator must know. */
export async function backUp(config: Config, file: string): Promise<string[]> {
  const engine = engineOf(config.databaseUrl);
  const target = resolve(file);
  const migration = await inScratchFolder(dirname(target), async (folder) => {
    const last = engine === 'sqlite' ? await copySqlite(sqliteFile(config.databaseUrl), folder) : await dumpPostgres(config.databaseUrl, folder);
    const files = engine === 'sqlite' ? SQLITE_FILES : POSTGRES_FILES;
    await writeArchive(target, folder, { format: 'switchboard-backup', version: 1, engine, createdAt: new Date().toISOString(), migration: last, files });
    return last;
  });
  return [
    `backed up the ${engine === 'sqlite' ? 'SQLite' : 'PostgreSQL'} database (schema ${migration ?? 'empty'}) to ${target}`,
    `keep the secret key with it, apart from it: it is not in the backup. It is ${keyPlace(config)}; without it, ` +
      'the restored TOTP seeds, CalDAV tokens, webhook and identity-provider secrets cannot be opened.',
  ];
}

/**
 * Restores a backup onto the configured database, which must be empty unless `force`, and brings
 * it up to this release's schema. The engine must be the backup's: a dump is not portable.
 */
export async function restore(config: Config, file: string, force: boolean): Promise<string[]> {
  const engine = engineOf(config.databaseUrl);
  const near = engine === 'sqlite' ? dirname(sqliteFile(config.databaseUrl)) : dirname(resolve(file));
  const manifest = await inScratchFolder(near, async (folder) => {
    const read = await readArchive(resolve(file), folder);
    if (read.engine !== engine) throw new Error(`this is a backup of ${read.engine}; the configured database is ${engine}`);
    if (engine === 'sqlite') replaceSqlite(sqliteFile(config.databaseUrl), folder, force);
    else await restorePostgres(config.databaseUrl, folder, force);
    return read;
  });
  const storage = connect(config.databaseUrl);
  try {
    const applied = await migrateToLatest(storage.db);
    const secrets = await unopenedSecrets(storage.db, config);
    return [
      `restored the backup of ${manifest.createdAt} (schema ${manifest.migration ?? 'empty'})`,
      ...(applied.length ? [`brought up to date: ${applied.join(', ')}`] : []),
      ...secretsAdvice(secrets, config),
    ];
  } finally {
    await storage.close();
  }
}

function secretsAdvice(secrets: Awaited<ReturnType<typeof unopenedSecrets>>, config: Config): string[] {
  if (secrets.unopened === 0) return [];
  const where = keyPlace(config);
  return secrets.keyPresent
    ? [`warning: ${secrets.unopened} of ${secrets.sealed} stored secret(s) were sealed with another key: put the key kept with this backup in ${where}`]
    : [`warning: there is no secret key here yet: put the key kept with this backup in ${where} before starting the service`];
}
