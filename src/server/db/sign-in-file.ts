import { AsyncLocalStorage } from 'node:async_hooks';
import type SQLite from 'better-sqlite3';

/**
 * On SQLite, signing in writes to a second database file beside the directory's: sessions, failed
 * sign-in counts and the audit entries of sign-ins wait there (audit_outbox) to be moved into the
 * log. SQLite has one writer per file, so an import holding the directory's write lock for its
 * whole transaction no longer holds back a sign-in. Its tables are reached by their plain names
 * (SQLite looks in attached files after main); PostgreSQL has them all in one database.
 */
export const SIGN_IN_SCHEMA = 'sign_in';

/** `data/switchboard.db` → `data/switchboard.sign-in.db`; an in-memory directory has an in-memory sign-in file. */
export const signInFileOf = (file: string) => (file === ':memory:' ? ':memory:' : file.replace(/(\.[^./\\]+)?$/, (extension) => `.sign-in${extension}`));

export function attachSignInFile(database: SQLite.Database, file: string): void {
  database.prepare(`attach database ? as ${SIGN_IN_SCHEMA}`).run(signInFileOf(file));
}

const signInOnly = new AsyncLocalStorage<true>();

/**
 * Runs a transaction that writes only the sign-in file's tables (it may read any): on SQLite it
 * takes no lock on the directory, so a long write there does not make it wait.
 */
export const writingSignInFileOnly = <T>(work: () => Promise<T>): Promise<T> => signInOnly.run(true, work);

export const writesSignInFileOnly = () => signInOnly.getStore() === true;
