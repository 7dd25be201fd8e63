import pg from 'pg';
import mysql from 'mysql2/promise';
import { invalid } from '../../http/problem.ts';
import type { MigrationEntry, MigrationSource } from '../entry.ts';

/** Rows asked for at a time: a page is all that sits in memory, whatever the table's size. */
const PAGE = 1000;
const CONNECT_TIMEOUT_MS = 10_000;

/** A plain table name, as Kamailio's `kamdbctl` and OpenSIPS's make them: it is put in the SQL quoted. */
export const tableName = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

interface SubscriberRow {
  id: number | string;
  username: string;
  domain: string;
  ha1: string | null;
  ha1b: string | null;
  password?: string | null;
}

/** The database a subscriber table lives in: its columns, and its rows a page at a time, after an id. */
interface SubscriberDatabase {
  columns(table: string): Promise<string[]>;
  page(table: string, columns: string[], after: number | string | null): Promise<SubscriberRow[]>;
  close(): Promise<void>;
}

/**
 * The accounts of Kamailio's or OpenSIPS's `subscriber` table (auth_db), read over its database
 * URL (`postgres://`, `mysql://` or `mariadb://`) a page at a time, by id. Each account keeps its
 * digests as they are (`ha1`, `ha1b`); its `domain` is the realm they were made with, and a
 * `password` column, where the table keeps passwords in clear, is read too. A database that
 * cannot be reached, or without the table, is a problem naming neither the URL's password nor
 * anything read.
 */
export async function* readKamailioSubscribers(url: string, options: { table?: string } = {}): MigrationSource {
  const table = options.table ?? 'subscriber';
  if (!tableName.test(table))
    throw invalid([{ path: 'table', code: 'migration.table_name', message: 'A table name: Latin letters, digits and underscores, at most 63' }]);
  const database = await connectTo(url);
  try {
    const columns = await database.columns(table).catch((error: unknown) => {
      throw unreadable(url, `its columns cannot be read (${codeOf(error)})`);
    });
    const missing = ['id', 'username', 'domain', 'ha1', 'ha1b'].filter((c) => !columns.includes(c));
    if (missing.length === 5) throw unreadable(url, `it has no table ${JSON.stringify(table)}`);
    if (missing.length) throw unreadable(url, `its table ${JSON.stringify(table)} has no column ${missing.join(', ')}: is it a subscriber table?`);
    const wanted = ['id', 'username', 'domain', 'ha1', 'ha1b', ...(columns.includes('password') ? ['password'] : [])];
    let after: number | string | null = null;
    for (;;) {
      const rows: SubscriberRow[] = await database.page(table, wanted, after).catch((error: unknown) => {
        throw unreadable(url, `its table ${JSON.stringify(table)} cannot be read (${codeOf(error)})`);
      });
      for (const row of rows) yield { entry: entryOf(table, row) };
      if (rows.length < PAGE) return;
      after = (rows.at(-1) as SubscriberRow).id;
    }
  } finally {
    await database.close();
  }
}

function entryOf(table: string, row: SubscriberRow): MigrationEntry {
  const digest = (value: string | null | undefined) => (value ? value.trim() : undefined);
  const ha1 = digest(row.ha1);
  const ha1b = digest(row.ha1b);
  // Kamailio keeps a SHA-256 HA1 in the same columns when it challenges with SHA-256 alone.
  const sha256 = ha1?.length === 64;
  return {
    origin: `${table} ${row.username}@${row.domain}`,
    username: row.username,
    realm: row.domain,
    sip: {
      ...(row.password ? { password: row.password } : {}),
      ...(sha256 ? { ha1Sha256: ha1, ha1bSha256: ha1b } : { ha1Md5: ha1, ha1bMd5: ha1b }),
    },
  };
}

async function connectTo(url: string): Promise<SubscriberDatabase> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid([{ path: 'url', code: 'migration.url', message: 'Not a database URL: postgres://, mysql:// or mariadb://' }]);
  }
  const connect = parsed.protocol === 'postgres:' || parsed.protocol === 'postgresql:' ? postgres : /^(mysql|mariadb):$/.test(parsed.protocol) ? mariadb : null;
  if (!connect) throw invalid([{ path: 'url', code: 'migration.url', message: 'A postgres://, mysql:// or mariadb:// URL' }]);
  try {
    return await connect(parsed);
  } catch (error) {
    throw unreadable(url, `it cannot be reached (${codeOf(error)})`);
  }
}

async function postgres(url: URL): Promise<SubscriberDatabase> {
  const client = new pg.Client({ connectionString: url.href, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // A connection lost while idle between pages is told by the next query; this keeps it from throwing out of band.
  client.on('error', () => undefined);
  await client.connect();
  return {
    columns: async (table) =>
      (
        await client.query<{ column_name: string }>(
          'select column_name from information_schema.columns where table_schema = current_schema() and table_name = $1',
          [table],
        )
      ).rows.map((r) => r.column_name),
    page: async (table, columns, after) =>
      (
        await client.query<SubscriberRow>(
          `select ${columns.map((c) => `"${c}"`).join(', ')} from "${table}" ${after === null ? '' : 'where id > $2'} order by id limit $1`,
          after === null ? [PAGE] : [PAGE, after],
        )
      ).rows,
    close: () => client.end(),
  };
}

async function mariadb(url: URL): Promise<SubscriberDatabase> {
  const mysqlUrl = new URL(url.href.replace(/^mariadb:/, 'mysql:'));
  const connection = await mysql.createConnection({ uri: mysqlUrl.href, connectTimeout: CONNECT_TIMEOUT_MS, supportBigNumbers: true, bigNumberStrings: true });
  connection.on('error', () => undefined);
  return {
    columns: async (table) => {
      const [rows] = await connection.query<mysql.RowDataPacket[]>(
        'select column_name as name from information_schema.columns where table_schema = database() and table_name = ?',
        [table],
      );
      return rows.map((r) => String(r.name));
    },
    page: async (table, columns, after) => {
      const [rows] = await connection.query<mysql.RowDataPacket[]>(
        `select ${columns.map((c) => `\`${c}\``).join(', ')} from \`${table}\` ${after === null ? '' : 'where id > ?'} order by id limit ?`,
        after === null ? [PAGE] : [after, PAGE],
      );
      return rows as SubscriberRow[];
    },
    close: () => connection.end(),
  };
}

/** The database as a problem names it: its host, port and name, never its user's password. */
function shown(url: string) {
  try {
    const { protocol, hostname, port, pathname } = new URL(url);
    return `${protocol}//${hostname}${port ? `:${port}` : ''}${pathname}`;
  } catch {
    return 'the database';
  }
}

/** A driver's error by its code alone: its message may quote what it was given. */
const codeOf = (error: unknown) => {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && /^[A-Za-z0-9_]{1,40}$/.test(code) ? code : 'no answer';
};

const unreadable = (url: string, why: string) =>
  invalid([{ path: 'url', code: 'migration.source_unreadable', message: `The database ${shown(url)} cannot be migrated from: ${why}` }]);
