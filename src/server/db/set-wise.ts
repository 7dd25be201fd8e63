import { CompiledQuery, PostgresAdapter, sql, type Expression, type SqlBool } from 'kysely';
import { copyStatement, CopyRows } from './copy.ts';
import type { Database, Db } from './schema.ts';

/** Bound parameters a statement may carry: under SQLite's 32,766 and PostgreSQL's 65,535. */
const PARAMETERS = 30_000;
const statements = new Map<string, string>();

/**
 * Multi-row INSERTs with their SQL kept per table, columns and row count: building a statement
 * of thousands of values through the query builder costs as much as running it. PostgreSQL gets
 * the rows by COPY FROM STDIN, its fastest way in.
 */
export async function insertSetWise(trx: Db, table: keyof Database, values: Record<string, unknown>[]): Promise<void> {
  const columns = Object.keys(values[0] ?? {});
  if (columns.length === 0) return;
  for (const row of values) if (keyCount(row) !== columns.length) throw new Error(`rows of ${table} differ in their columns`);
  if (isPostgres(trx)) return copied(trx, table, columns, values);
  const size = Math.max(1, Math.floor(PARAMETERS / columns.length));
  for (let i = 0; i < values.length; i += size) {
    const rows = values.slice(i, i + size);
    const key = `${table}:${columns.join(',')}:${rows.length}`;
    let text = statements.get(key);
    if (!text) {
      const row = `(${columns.map(() => '?').join(', ')})`;
      text = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values ${rows.map(() => row).join(', ')}`;
      if (statements.size > 200) statements.clear();
      statements.set(key, text);
    }
    const parameters = new Array<unknown>(rows.length * columns.length);
    let n = 0;
    for (const row of rows) for (const column of columns) parameters[(n += 1) - 1] = row[column];
    await trx.executeQuery(CompiledQuery.raw(text, parameters));
  }
}

/**
 * `column` is one of `values`, however many: one bound parameter (a text array on PostgreSQL, a
 * JSON array on SQLite) instead of one a value, so a statement covers thousands of ids, keeps one
 * text (prepared once) and looks each id up by the column's index.
 */
export function oneOf(db: Db, column: string, values: string[]): Expression<SqlBool> {
  return isPostgres(db)
    ? sql<SqlBool>`${sql.ref(column)} = any(${values}::text[])`
    : sql<SqlBool>`${sql.ref(column)} in (select value from json_each(${JSON.stringify(values)}))`;
}

const isPostgres = (db: Db) => db.getExecutor().adapter instanceof PostgresAdapter;

function keyCount(row: object) {
  let count = 0;
  for (const _ in row) count += 1;
  return count;
}

/** A COPY of all the rows, streamed: no statement to parse or plan, no parameters to bind. */
async function copied(trx: Db, table: keyof Database, columns: string[], values: Record<string, unknown>[]) {
  await trx.executeQuery(CompiledQuery.raw(copyStatement(table, columns), [new CopyRows(columns, values)]));
}
