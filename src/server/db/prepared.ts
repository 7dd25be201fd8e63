import { CompiledQuery, type Compilable, type Kysely } from 'kysely';

const SENTINEL = '\u0000param:';

/**
 * A query built and compiled once, then run with new values: on the hottest reads, building
 * and compiling with Kysely costs more than the database takes to answer.
 * `build` receives a placeholder for each named value; it must not branch on them.
 */
export function prepared<Params extends Record<string, unknown>, Row>(
  build: (db: Kysely<any>, param: <K extends keyof Params & string>(name: K) => Params[K]) => Compilable<Row>,
) {
  // By the database's adapter, which its transactions share: a query run in a transaction is compiled once too.
  const compiled = new WeakMap<object, { sql: string; positions: string[] }>();
  const compile = (db: Kysely<any>) => {
    const query = build(db, (name) => `${SENTINEL}${name}` as never).compile();
    const positions = query.parameters.map((value) => {
      if (typeof value !== 'string' || !value.startsWith(SENTINEL)) throw new Error(`prepared query has a literal parameter: ${String(value)}`);
      return value.slice(SENTINEL.length);
    });
    return { sql: query.sql, positions };
  };
  return async (db: Kysely<any>, params: Params): Promise<Row[]> => {
    const adapter = db.getExecutor().adapter;
    let query = compiled.get(adapter);
    if (!query) {
      query = compile(db);
      compiled.set(adapter, query);
    }
    const result = await db.executeQuery<Row>(
      CompiledQuery.raw(
        query.sql,
        query.positions.map((name) => params[name]),
      ),
    );
    return result.rows;
  };
}

/**
 * `prepared` for a query over a list of ids (a page of users): compiled once for each length of
 * the list, since the SQL holds a placeholder per id. The lengths are those of pages and batches,
 * a few hundred at most.
 */
export function preparedForIds<Params extends Record<string, unknown>, Row>(
  build: (db: Kysely<any>, ids: string[], param: <K extends keyof Params & string>(name: K) => Params[K]) => Compilable<Row>,
) {
  const byLength = new Map<number, (db: Kysely<any>, params: Record<string, unknown>) => Promise<Row[]>>();
  return (db: Kysely<any>, ids: readonly string[], params: Params): Promise<Row[]> => {
    let query = byLength.get(ids.length);
    if (!query) {
      const names = ids.map((_, i) => `id${i}`);
      query = prepared<Record<string, unknown>, Row>((db, param) =>
        build(
          db,
          names.map((name) => param(name) as string),
          (name) => param(name) as never,
        ),
      );
      byLength.set(ids.length, query);
    }
    const values: Record<string, unknown> = { ...params };
    ids.forEach((id, i) => (values[`id${i}`] = id));
    return query(db, values);
  };
}
