import { AsyncLocalStorage } from 'node:async_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import {
  CompiledQuery,
  SqliteDialect,
  type DatabaseConnection,
  type Driver,
  type QueryCompiler,
  type QueryResult,
  type SqliteDialectConfig,
  type TransactionSettings,
} from 'kysely';
import { whileBusy } from './busy.ts';
import { writesSignInFileOnly } from './sign-in-file.ts';

/**
 * SQLite has one connection, and a transaction holds it to its end: every other query waits for
 * it. A long transaction (an import) would so keep even its own cancel waiting. Such a
 * transaction runs under a `Lender`, and between its steps lends the connection, for a few turns
 * of the event loop, to the requests of routes marked `borrowsConnection` — and to no other.
 * A borrower runs inside the open transaction: it sees its uncommitted rows, and what it writes
 * (a session's last-seen time) stays only if the transaction commits. So only routes that read
 * nothing but the caller's session and answer from memory are marked. Everything else waits for
 * the end of the transaction, as before. PostgreSQL has a pool: there nobody needs to borrow.
 *
 * Another connection to the same file (an import in its worker thread) may hold SQLite's write
 * lock for long. The connection waits for it without blocking the event loop (see busy.ts): a
 * transaction takes the write locks it needs when it begins (see `begin`), so nothing inside it
 * is refused half-way — and a refused BEGIN or statement outside a transaction is tried again after a pause,
 * during which the connection serves other queries (reads, in WAL, never wait for the writer).
 */

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Served between the steps of a long SQLite transaction instead of after it (see Lender). */
    borrowsConnection?: true;
  }
}

const BORROWER = Symbol('borrower');
const running = new AsyncLocalStorage<Lender | typeof BORROWER>();

/** Turns of the event loop a lender waits for borrowers at most, so a flood of them cannot stall it. */
const MAX_TURNS = 100;

export class Lender {
  #open = false;
  #ended = false;
  #waiting: (() => void)[] = [];
  #borrowed = 0;
  #served = 0;

  /** Runs the transaction `work` begins as this lender's: the driver then knows whose connection it lends. */
  run<T>(work: () => Promise<T>): Promise<T> {
    return running.run(this, work);
  }

  /** Between two steps: borrowers waiting or arriving now are served, until none is left. */
  async lend(): Promise<void> {
    this.#open = true;
    this.#wake();
    let quiet = 0;
    for (let turn = 0; quiet < 2 || this.#borrowed > 0; turn += 1) {
      if (turn === MAX_TURNS) this.#open = false;
      const served = this.#served;
      await nextTurn();
      quiet = this.#borrowed === 0 && served === this.#served ? quiet + 1 : 0;
    }
    this.#open = false;
  }

  /** The transaction ends: borrowers still waiting queue for the connection like everyone. */
  end(): void {
    this.#ended = true;
    this.#wake();
  }

  async borrow(): Promise<boolean> {
    while (!this.#open && !this.#ended) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    if (this.#ended) return false;
    this.#borrowed += 1;
    this.#served += 1;
    return true;
  }

  giveBack(): void {
    this.#borrowed -= 1;
  }

  #wake() {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const wake of waiting) wake();
  }
}

/** Whether this runs for a request that may borrow the connection: what it reads may never be committed. */
export const borrowsConnection = () => running.getStore() === BORROWER;

/** Marks the requests of routes configured `borrowsConnection`; registered before any hook that reads the database. */
export function lendToMarkedRoutes(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => (request.routeOptions.config.borrowsConnection ? running.run(BORROWER, done) : done()));
}

/** SQLite's dialect, with its single connection lent by a lender between steps. */
export class LendingSqliteDialect extends SqliteDialect {
  /** `all`: a transaction locks every file first; `directory`: only the directory's (a long writer, see connect.ts). */
  constructor(
    config: SqliteDialectConfig,
    private readonly locks: 'all' | 'directory' = 'all',
  ) {
    super(config);
  }

  override createDriver(): Driver {
    // Kysely's SQLite driver has savepoints.
    return new LendingDriver(super.createDriver() as Required<Driver>, this.locks);
  }
}

class Borrowed implements DatabaseConnection {
  constructor(
    readonly connection: DatabaseConnection,
    readonly lender: Lender,
  ) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return this.connection.executeQuery(query);
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.connection.streamQuery(query, chunkSize);
  }
}

class LendingDriver implements Driver {
  #lender: Lender | undefined;
  #lent: DatabaseConnection | undefined;

  constructor(
    private readonly sqlite: Required<Driver>,
    private readonly locks: 'all' | 'directory',
  ) {}

  init = () => this.sqlite.init();
  destroy = () => this.sqlite.destroy();

  async acquireConnection(): Promise<DatabaseConnection> {
    const lender = this.#lender;
    const lent = this.#lent;
    if (running.getStore() === BORROWER && lender && lent && (await lender.borrow())) return new Borrowed(lent, lender);
    return new Patient(await this.sqlite.acquireConnection(), this);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    if (connection instanceof Borrowed) return connection.lender.giveBack();
    return this.sqlite.releaseConnection(inner(connection));
  }

  /** Whether the connection is inside a transaction (one connection: one flag). */
  inTransaction = false;

  /** Runs `attempt` until the writer lets it, the connection (held by the caller) given back to others while it waits. */
  whileBusy<T>(connection: DatabaseConnection, attempt: () => Promise<T>): Promise<T> {
    return whileBusy(attempt, async (wait) => {
      await this.sqlite.releaseConnection(connection);
      try {
        await wait();
      } finally {
        // SQLite's driver has one connection: it hands the same one back.
        await this.sqlite.acquireConnection();
      }
    });
  }

  async beginTransaction(connection: DatabaseConnection, _settings: TransactionSettings): Promise<void> {
    if (connection instanceof Borrowed) throw new Error('a borrowed connection begins no transaction: it is inside one already');
    const sqlite = inner(connection);
    await this.whileBusy(sqlite, () => begin(sqlite, writesSignInFileOnly() ? 'sign-in file' : this.locks));
    this.inTransaction = true;
    const lender = running.getStore();
    if (lender instanceof Lender) {
      this.#lender = lender;
      this.#lent = connection;
    }
  }

  commitTransaction = (connection: DatabaseConnection) => this.#ending(connection, () => this.sqlite.commitTransaction(inner(connection)));
  rollbackTransaction = (connection: DatabaseConnection) => this.#ending(connection, () => this.sqlite.rollbackTransaction(inner(connection)));

  savepoint = (connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']) => this.sqlite.savepoint(inner(connection), name, compile);
  rollbackToSavepoint = (connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']) =>
    this.sqlite.rollbackToSavepoint(inner(connection), name, compile);
  releaseSavepoint = (connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']) =>
    this.sqlite.releaseSavepoint(inner(connection), name, compile);

  async #ending(connection: DatabaseConnection, end: () => Promise<void>) {
    if (connection === this.#lent) {
      this.#lender?.end();
      this.#lender = undefined;
      this.#lent = undefined;
    }
    try {
      await end();
    } finally {
      this.inTransaction = false;
    }
  }
}

/**
 * The connection as the driver hands it out: a statement outside a transaction that the writer
 * refuses waits for it (see `whileBusy`); inside one — begun with its locks — none is refused.
 */
class Patient implements DatabaseConnection {
  constructor(
    readonly connection: DatabaseConnection,
    readonly driver: LendingDriver,
  ) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.driver.inTransaction) return this.connection.executeQuery(query);
    return this.driver.whileBusy(this.connection, () => this.connection.executeQuery<R>(query));
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.connection.streamQuery(query, chunkSize);
  }
}

/**
 * Begins a transaction holding the write locks it will need: every file's (IMMEDIATE), none (a
 * sign-in's, which takes the sign-in file's lock when it writes, never held long), or only the
 * directory's — taken by a write that changes nothing, since BEGIN IMMEDIATE locks every file.
 */
async function begin(sqlite: DatabaseConnection, locks: 'all' | 'directory' | 'sign-in file') {
  if (locks === 'all') return void (await sqlite.executeQuery(CompiledQuery.raw('begin immediate')));
  await sqlite.executeQuery(CompiledQuery.raw('begin'));
  if (locks === 'sign-in file') return;
  try {
    await sqlite.executeQuery(CompiledQuery.raw('update main.domains set id = id where 0'));
  } catch (error) {
    await sqlite.executeQuery(CompiledQuery.raw('rollback'));
    throw error;
  }
}

const inner = (connection: DatabaseConnection) => (connection instanceof Patient ? connection.connection : connection);
