import { setImmediate as nextTurn } from 'node:timers/promises';
import type { MessagePort, Worker } from 'node:worker_threads';
import {
  CompiledQuery,
  Kysely,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
} from 'kysely';
import { DatabaseBusy } from './busy.ts';
import type { Database, Db } from './schema.ts';

/**
 * A SQLite connection used from two threads: one thread holds it (and its transaction), another
 * sends it statements. This lets a long write be pipelined: the sending thread prepares the next
 * part of the work (checks, rows) while the holding thread runs the statements of the last one.
 * Statements run in the order sent. An INSERT without RETURNING is not waited for: its failure
 * is told by the next statement waited for (at the latest the commit), which then fails — so a
 * transaction never commits past a failed statement.
 */

type Port = MessagePort | Worker;

export type ToHolder =
  | { id: number; step: 'begin' | 'commit' | 'rollback' | 'mark' }
  | { id: number; step: 'query'; sql: string; parameters: readonly unknown[]; answer: boolean; ahead: boolean };

type Failure = { message: string; code?: string; stack?: string };
export type FromHolder = { id: number } & ({ result: QueryResult<unknown>; applied: number } | { failure: Failure });

/** Where this thread's statements go, if they run in another (one holder a thread: an import's checker's). */
let channel: Channel | undefined;

/**
 * Marks that everything sent so far belongs to one step (a chunk of an import): answers the mark,
 * which reads ahead (`readAhead`) tell once the holder has run everything before it, and when the
 * holder has run the step before this one — awaited, it keeps the sender at most one step ahead,
 * so what waits at the holder stays bounded. Undefined where statements run on this thread's own
 * connection.
 */
export const markWritten = (): { mark: number; caughtUp: Promise<void> } | undefined => channel?.mark();

/** Whether this thread's reads can go ahead of its writes: only where they are sent to a holder. */
export const readsAhead = (): boolean => channel !== undefined;

/**
 * Runs `read` ahead of the writes still queued at the holder, on the Db it is given: the holder
 * answers its statements at once, from the writes it has run so far. Answers with the last mark
 * those writes reached — what was written after it the caller must add from what it knows itself
 * (`Infinity` where statements run on this thread's own connection `db`: everything is read).
 */
export async function readAhead<T>(db: Db, read: (db: Db) => Promise<T>): Promise<{ value: T; applied: number }> {
  if (!channel) return { value: await read(db), applied: Infinity };
  return channel.readAhead(read);
}

/**
 * A Kysely instance of SQLite whose statements run on the connection `port`'s thread holds (see
 * `holdStatements`), until `release`: a thread sends to one holder at a time.
 */
export function remoteSqlite(port: Port): { db: Db; release(): void } {
  if (channel) throw new Error('a thread sends its statements to one holder at a time');
  const opened = new Channel(port);
  channel = opened;
  return {
    db: opened.db,
    release: () => {
      if (channel === opened) channel = undefined;
      opened.close();
    },
  };
}

/** An INSERT whose result nobody reads: sent on without a wait. */
const unanswered = (sql: string) => /^\s*insert\b/i.test(sql) && !/\breturning\b/i.test(sql);

type Answer = { result: QueryResult<unknown>; applied: number };

class Channel {
  #next = 0;
  readonly #waiting = new Map<number, { resolve: (answer: Answer) => void; reject: (error: Error) => void }>();
  readonly db: Db;

  readonly #heard = (message: FromHolder) => {
    const waiting = this.#waiting.get(message.id);
    if (!waiting) return;
    this.#waiting.delete(message.id);
    if ('result' in message) waiting.resolve(message);
    else waiting.reject(errorOf(message.failure));
  };

  constructor(private readonly port: Port) {
    port.on('message', this.#heard);
    this.db = remoteKysely(new RemoteDriver(this));
  }

  close(): void {
    this.port.off('message', this.#heard);
  }

  /** Each read ahead on a connection of its own (the other is held by the transaction), keeping the lowest mark told. */
  async readAhead<T>(read: (db: Db) => Promise<T>): Promise<{ value: T; applied: number }> {
    const progress = { applied: Infinity };
    const value = await read(remoteKysely(new RemoteDriver(this, progress)));
    return { value, applied: progress.applied };
  }

  #lastMark: Promise<unknown> = Promise.resolve();

  mark(): { mark: number; caughtUp: Promise<void> } {
    const id = this.#next++;
    const previous = this.#lastMark;
    this.#lastMark = this.#asked({ id, step: 'mark' });
    // Awaited only through a later mark's `caughtUp`; a failure meanwhile is told by the next answer.
    this.#lastMark.catch(() => undefined);
    return { mark: id, caughtUp: previous.then(() => undefined) };
  }

  async step(step: 'begin' | 'commit' | 'rollback'): Promise<void> {
    await this.#asked({ id: this.#next++, step });
  }

  /** Sends a statement: ahead of the queue when it reads ahead (`progress` then keeps the lowest mark told). */
  async send(query: CompiledQuery, progress?: { applied: number }): Promise<QueryResult<unknown>> {
    const answer = !unanswered(query.sql);
    const message: ToHolder = {
      id: this.#next++,
      step: 'query',
      sql: query.sql,
      parameters: query.parameters,
      answer,
      ahead: answer && progress !== undefined,
    };
    if (!answer) {
      this.port.postMessage(message);
      return { rows: [] };
    }
    const { result, applied } = await this.#asked(message);
    if (progress) progress.applied = Math.min(progress.applied, applied);
    return result;
  }

  #asked(message: ToHolder): Promise<Answer> {
    return new Promise((resolve, reject) => {
      this.#waiting.set(message.id, { resolve, reject });
      this.port.postMessage(message);
    });
  }
}

const remoteKysely = (driver: RemoteDriver) =>
  new Kysely<Database>({
    dialect: {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => driver,
      createIntrospector: (db) => new SqliteIntrospector(db),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    } satisfies Dialect,
  });

class RemoteDriver implements Driver {
  readonly #connection: DatabaseConnection;
  #queue: Promise<void> = Promise.resolve();
  #release: (() => void) | undefined;

  constructor(
    private readonly channel: Channel,
    progress?: { applied: number },
  ) {
    this.#connection = {
      executeQuery: <R>(query: CompiledQuery) => channel.send(query, progress) as Promise<QueryResult<R>>,
      streamQuery: () => {
        throw new Error('a remote connection streams no query');
      },
    };
  }

  async init(): Promise<void> {}

  /** One connection, one user at a time (as SQLite's own driver). */
  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.#queue;
    let release!: () => void;
    this.#queue = new Promise((resolve) => (release = resolve));
    await previous;
    this.#release = release;
    return this.#connection;
  }

  async releaseConnection(): Promise<void> {
    this.#release?.();
  }

  beginTransaction = () => this.channel.step('begin');
  commitTransaction = () => this.channel.step('commit');
  rollbackTransaction = () => this.channel.step('rollback');

  async destroy(): Promise<void> {}
}

/**
 * Runs the statements another thread sends through `remoteSqlite`, in order, on `db`: a begun
 * transaction holds `db`'s connection until that thread commits or rolls back. After a statement
 * failed, every later one fails too, until the transaction ends.
 */
export function holdStatements(db: Db, port: Port): { cancel(reason: Error): void; close(): Promise<void> } {
  let chain: Promise<void> = Promise.resolve();
  let transaction: { trx: Db; end: (commit: boolean) => void; ended: Promise<void> } | undefined;
  let failed: Error | undefined;
  /** The last mark run: every statement sent before it has run. */
  let applied = -1;
  const tell = (message: FromHolder) => port.postMessage(message);
  const failure = (error: unknown): Failure => {
    const e = error as Error & { code?: string };
    return { message: e.message ?? String(error), code: e.code, stack: e.stack };
  };

  const begin = () =>
    new Promise<void>((begun, refused) => {
      let end!: (commit: boolean) => void;
      const decided = new Promise<boolean>((resolve) => (end = resolve));
      const ended = db
        .transaction()
        .execute(async (trx) => {
          transaction = { trx, end, ended };
          begun();
          if (!(await decided)) throw new RolledBack();
        })
        .catch((error: unknown) => {
          if (!(error instanceof RolledBack)) throw error;
        });
      ended.catch(refused);
    });

  const finish = async (commit: boolean) => {
    const open = transaction;
    // A rollback after a commit that failed (and so rolled back) ends nothing more.
    if (!open) return;
    transaction = undefined;
    const earlier = failed;
    failed = undefined;
    open.end(commit && !earlier);
    await open.ended;
    if (commit && earlier) throw earlier;
  };

  const done = (id: number) => tell({ id, result: { rows: [] }, applied });
  const handle = async (message: ToHolder) => {
    try {
      if (message.step === 'mark') return ((applied = message.id), done(message.id));
      if (message.step === 'begin') return (await begin(), done(message.id));
      if (message.step !== 'query') return (await finish(message.step === 'commit'), done(message.id));
      if (failed) throw failed;
      // Taken before the statement runs: marks run meanwhile would tell of writes it may not see.
      const seen = applied;
      const result = await (transaction?.trx ?? db).executeQuery(CompiledQuery.raw(message.sql, [...message.parameters]));
      if (message.answer) tell({ id: message.id, result, applied: seen });
    } catch (error) {
      if (message.step === 'query' && transaction) failed ??= error as Error;
      if (message.step !== 'query' || message.answer) tell({ id: message.id, failure: failure(error) });
    }
  };

  // A read ahead runs between two of the queued statements, not after them all: the queue lets
  // the event loop turn between its statements, so that messages that came meanwhile are heard.
  const listener = (message: ToHolder) => {
    if (message.step === 'query' && message.ahead) void handle(message);
    else chain = chain.then(() => handle(message)).then(nextTurn);
  };
  port.on('message', listener);
  return {
    /** Fails the open transaction's statements still queued, without running them: its rollback is next. */
    cancel(reason) {
      if (transaction) failed ??= reason;
    },
    async close() {
      port.off('message', listener);
      await chain;
      if (transaction) await finish(false).catch(() => undefined);
    },
  };
}

class RolledBack extends Error {}

/** The holder's error as the sender's: a busy database stays one (busy.ts), others keep their code and stack. */
const errorOf = (failure: Failure): Error =>
  failure.code === 'database.busy' ? new DatabaseBusy() : Object.assign(new Error(failure.message), { code: failure.code, stack: failure.stack });
