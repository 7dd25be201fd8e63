import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export const POSTGRES_FILES = ['switchboard.pgdump'];

/**
 * PostgreSQL is copied by its own tools. They take the address without the password, on the
 * command line any user of the machine can read; the password goes in their environment.
 */
function toolConnection(url: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const address = new URL(url);
  const password = decodeURIComponent(address.password);
  address.password = '';
  return { dbname: address.toString(), env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) } };
}

async function tool(name: 'pg_dump' | 'pg_restore', args: string[], url: string): Promise<void> {
  const { dbname, env } = toolConnection(url);
  try {
    await run(name, [...args, `--dbname=${dbname}`], { env, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stderr, code } = error as { stderr?: string; code?: string | number };
    if (code === 'ENOENT') throw new Error(`${name} is not installed: install PostgreSQL's client tools of the server's version`, { cause: error });
    throw new Error(`${name} failed: ${withoutPassword(stderr?.trim() || String(code), url)}`, { cause: error });
  }
}

const withoutPassword = (text: string, url: string) => {
  const password = decodeURIComponent(new URL(url).password);
  return password ? text.split(password).join('…') : text;
};

/** A client tool older than the server cannot read its catalogs; one that is newer can. */
async function assertToolVersion(name: 'pg_dump' | 'pg_restore', server: number): Promise<void> {
  const { stdout } = await run(name, ['--version']).catch(() => {
    throw new Error(`${name} is not installed: install PostgreSQL's client tools of the server's version`);
  });
  const major = Number(/\s(\d+)(\.\d+)?/.exec(stdout)?.[1]);
  if (!(major >= server)) throw new Error(`${name} ${major} cannot work with PostgreSQL ${server}: install the client tools of version ${server} or later`);
}

interface Target {
  serverMajor: number;
  tables: number;
  migration: string | null;
}

async function inspect(url: string): Promise<Target> {
  const client = new pg.Client({ connectionString: url });
  await client.connect().catch((error: unknown) => {
    throw new Error(`cannot reach the database: ${withoutPassword(error instanceof Error ? error.message : String(error), url)}`);
  });
  try {
    const version = await client.query<{ v: string }>("select current_setting('server_version_num') as v");
    const tables = await client.query<{ n: string }>("select count(*) as n from pg_tables where schemaname not in ('pg_catalog', 'information_schema')");
    const bookkeeping = await client.query("select 1 from pg_tables where tablename = 'kysely_migration' and schemaname = current_schema()");
    const migration = bookkeeping.rowCount
      ? ((await client.query<{ name: string }>('select name from kysely_migration order by name desc limit 1')).rows[0]?.name ?? null)
      : null;
    return { serverMajor: Math.floor(Number(version.rows[0]?.v) / 10000), tables: Number(tables.rows[0]?.n), migration };
  } finally {
    await client.end();
  }
}

/** pg_dump reads from one snapshot: the copy is consistent while the service writes. */
export async function dumpPostgres(url: string, folder: string): Promise<string | null> {
  const target = await inspect(url);
  await assertToolVersion('pg_dump', target.serverMajor);
  await tool('pg_dump', ['--format=custom', '--no-owner', '--no-privileges', `--file=${join(folder, POSTGRES_FILES[0] as string)}`], url);
  return target.migration;
}

/**
 * Restores in one transaction: a failure leaves the database as it was. With `force`, the
 * backup's objects are dropped first; objects the backup does not have stay.
 */
export async function restorePostgres(url: string, folder: string, force: boolean): Promise<void> {
  const target = await inspect(url);
  if (target.tables > 0 && !force) throw new Error('the database is not empty: give --force to replace it');
  await assertToolVersion('pg_restore', target.serverMajor);
  const clean = target.tables > 0 ? ['--clean', '--if-exists'] : [];
  await tool(
    'pg_restore',
    ['--single-transaction', '--exit-on-error', '--no-owner', '--no-privileges', ...clean, join(folder, POSTGRES_FILES[0] as string)],
    url,
  );
}
