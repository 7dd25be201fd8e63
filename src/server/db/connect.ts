import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient, type SqliteDatabase } from 'kysely';
import pg from 'pg';
import { BUSY_WAIT_MS } from './busy.ts';
import { copyIn, CopyRows } from './copy.ts';
import { LendingSqliteDialect } from './lent-connection.ts';
import { queryLog } from './query-time.ts';
import { attachSignInFile, SIGN_IN_SCHEMA } from './sign-in-file.ts';
import type { Database, Db } from './schema.ts';

export type Engine = 'sqlite' | 'postgres';

export interface Storage {
  db: Db;
  engine: Engine;
  /** Answers whether the database is reachable right now. */
  ping(): Promise<boolean>;
  /** PostgreSQL's connection pool as it is now: connections open, idle, and callers waiting for one. */
  pool?: () => { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

export interface ConnectOptions {
  /**
   * A connection of its own thread that makes one long write (an import): its transactions take
   * only the directory's write lock, never the sign-in file's (see sign-in-file.ts), and it may
   * wait for a lock synchronously, since no event loop but its own waits with it.
   */
  longWriter?: boolean;
  /** A connection that only reads (a reader thread's, threads/readers.ts): SQLite refuses it any write. */
  reader?: boolean;
}

export function connect(url: string, options: ConnectOptions = {}): Storage {
  const engine: Engine = url.startsWith('sqlite:') ? 'sqlite' : 'postgres';
  const { db, pool } = engine === 'sqlite' ? { db: openSqlite(url.slice('sqlite:'.length), options), pool: undefined } : openPostgres(url);
  return {
    db,
    engine,
    ...(pool ? { pool: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }) } : {}),
    async ping() {
      try {
        await db.selectNoFrom((eb) => eb.lit(1).as('one')).execute();
        return true;
      } catch {
        return false;
      }
    },
    close: () => db.destroy(),
  };
}

function openSqlite(file: string, options: ConnectOptions): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const database = new SQLite(file);
  attachSignInFile(database, file);
  for (const schema of ['main', SIGN_IN_SCHEMA]) {
    database.pragma(`${schema}.journal_mode = WAL`);
    // WAL with NORMAL is durable against process kills; only an OS crash can lose the last commits.
    database.pragma(`${schema}.synchronous = NORMAL`);
  }
  database.pragma('foreign_keys = ON');
  // No synchronous wait for another connection's write lock: it would freeze the event loop (see
  // busy.ts). A long writer's own thread may wait: the sign-in file is only ever held briefly.
  database.pragma(`busy_timeout = ${options.longWriter ? BUSY_WAIT_MS : 0}`);
  // 64 MiB of pages: a big import's indexes stay in memory instead of spilling (raw inserts of
  // 100,000 users went from 8.4 s to 6.4 s; see BENCHMARKS.md).
  database.pragma('cache_size = -65536');
  if (options.reader) database.pragma('query_only = ON');
  return new Kysely<Database>({
    dialect: new LendingSqliteDialect({ database: withStatementCache(database) }, options.longWriter ? 'directory' : 'all'),
    log: queryLog('sqlite'),
  });
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every query anew; preparing costs more than running a small query, so
 * statements are kept by their SQL. A statement still being iterated is not handed out twice.
 */
function withStatementCache(database: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    prepare(sql: string) {
      const cached = cache.get(sql);
      if (cached && !cached.busy) return cached;
      const statement = database.prepare(sql);
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      cache.set(sql, statement);
      return statement;
    },
    close: () => database.close(),
  };
}

function openPostgres(url: string): { db: Db; pool: pg.Pool } {
  if (!/^postgres(ql)?:\/\//.test(url)) throw new Error(`unsupported database URL: ${url.split(':')[0]}:…`);
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle connection the server closes (a restart, a failover, an administrator) is dropped by
  // the pool and replaced on next use; unhandled, its error would end the process.
  pool.on('error', () => {});
  return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool: withNamedStatements(pool) }), log: queryLog('postgres') }), pool };
}

/** Distinct statements a process names; past that (an unusual spread of `in` lists) the rest run unnamed. */
const NAMED_STATEMENTS_MAX = 1000;

/**
 * PostgreSQL parses and plans every unnamed statement anew; a named one is prepared once per
 * connection. Names are derived from the SQL text, so one name never means two statements.
 * A COPY's rows (set-wise.ts) are streamed on this client: the one Kysely's connection, and so
 * its transaction, holds.
 */
function withNamedStatements(pool: pg.Pool): PostgresPool {
  const names = new Map<string, string>();
  const nameOf = (text: string) => {
    let name = names.get(text);
    if (!name && names.size < NAMED_STATEMENTS_MAX) {
      name = `sb_${createHash('sha1').update(text).digest('base64url')}`;
      names.set(text, name);
    }
    return name;
  };
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      return {
        query: ((query: string | object, values?: unknown[]) => {
          if (typeof query !== 'string') return client.query(query as never);
          if (values?.[0] instanceof CopyRows) return copyIn(client, query, values[0]);
          const name = values && values.length > 0 ? nameOf(query) : undefined;
          return client.query({ text: query, values, name });
        }) as unknown as PostgresPoolClient['query'],
        release: () => client.release(),
      };
    },
    end: () => pool.end(),
  };
}
