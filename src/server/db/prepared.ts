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
  const compiled = new WeakMap<Kysely<any>, { sql: string; positions: string[] }>();
  const compile = (db: Kysely<any>) => {
    const query = build(db, (name) => `${SENTINEL}${name}` as never).compile();
    const positions = query.parameters.map((value) => {
      if (typeof value !== 'string' || !value.startsWith(SENTINEL)) throw new Error(`prepared query has a literal parameter: ${String(value)}`);
      return value.slice(SENTINEL.length);
    });
    return { sql: query.sql, positions };
  };
  return async (db: Kysely<any>, params: Params): Promise<Row[]> => {
    let query = compiled.get(db);
    if (!query) {
      query = compile(db);
      compiled.set(db, query);
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
