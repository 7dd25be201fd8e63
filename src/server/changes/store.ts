import { CompiledQuery, PostgresAdapter, sql } from 'kysely';
import { copyStatement, CopyRows } from '../db/copy.ts';
import { prepared } from '../db/prepared.ts';
import { insertSetWise } from '../db/set-wise.ts';
import { timeOrderedId } from '../identifiers/time-ordered-id.ts';
import type { ChangesTable, Db } from '../db/schema.ts';
import type { ChangeDraft } from './rules.ts';
import type { ChangeView } from './schema.ts';

/** Off only in bench/change-feed (SWITCHBOARD_CHANGE_FEED=off), to measure what the feed costs. */
let recording = true;

/** Turns the recording of change entries on or off for this process (buildApp, from the configuration). */
export function recordChanges(on: boolean): void {
  recording = on;
}

/** Transactions that number their entries as they commit, with the temporary table their entries wait in. */
const deferring = new WeakMap<Db, string>();

/**
 * Takes the next `count` numbers of a domain's feed; answers the last. On PostgreSQL the
 * counter's row stays locked until the transaction ends, so entries are numbered in commit order
 * and a reader never passes a number still to be committed.
 */
async function takeNumbers(trx: Db, domainId: string, count: number): Promise<number> {
  const [row] = await bumpCounter(trx, { domainId, count });
  return Number(row?.last_seq);
}

// A write of one resource runs these two: compiled once, not built again for every write.
const bumpCounter = prepared<{ domainId: string; count: number }, { last_seq: number }>((db: Db, param) =>
  db
    .insertInto('change_counters')
    .values({ domain_id: param('domainId'), last_seq: param('count') })
    .onConflict((oc) => oc.column('domain_id').doUpdateSet((eb) => ({ last_seq: eb('change_counters.last_seq', '+', eb.ref('excluded.last_seq')) })))
    .returning('last_seq'),
);
const changeColumns = [
  'id',
  'domain_id',
  'seq',
  'batch',
  'at',
  'resource_type',
  'resource_id',
  'action',
  'version',
  'fields',
  'actor_id',
  'actor_login',
] as const;
const insertChange = prepared<ChangesTable & Record<string, unknown>, never>((db: Db, param) =>
  db.insertInto('changes').values(Object.fromEntries(changeColumns.map((c) => [c, param(c)])) as unknown as ChangesTable),
);

/** Writes change entries in the caller's transaction, numbered now or, in a long one, as it commits. */
export async function appendChanges(trx: Db, drafts: ChangeDraft[]): Promise<void> {
  if (!drafts.length || !recording) return;
  const at = new Date().toISOString();
  const pending = deferring.get(trx);
  const [only] = drafts;
  // PostgreSQL numbers a single entry as the transaction commits (migration 14's trigger).
  if (!pending && drafts.length === 1 && only && trx.getExecutor().adapter instanceof PostgresAdapter) {
    await insertChange(trx, rowOf(only, null, at) as ChangesTable & Record<string, unknown>);
    return;
  }
  const rows: ChangesTable[] = [];
  const byDomain = new Map<string, ChangeDraft[]>();
  for (const draft of drafts) {
    const ofDomain = byDomain.get(draft.domainId) ?? [];
    ofDomain.push(draft);
    byDomain.set(draft.domainId, ofDomain);
  }
  for (const [domainId, ofDomain] of byDomain) {
    const last = pending ? null : await takeNumbers(trx, domainId, ofDomain.length);
    ofDomain.forEach((d, i) => rows.push(rowOf(d, last === null ? null : last - ofDomain.length + 1 + i, at)));
  }
  if (pending) await insertPending(trx, pending, rows);
  else if (rows.length === 1) await insertChange(trx, rows[0] as ChangesTable & Record<string, unknown>);
  else await insertSetWise(trx, 'changes', rows as unknown as Record<string, unknown>[]);
}

const rowOf = (draft: ChangeDraft, seq: number | null, at: string): ChangesTable => ({
  id: timeOrderedId(),
  domain_id: draft.domainId,
  seq,
  batch: null,
  at,
  resource_type: draft.resourceType,
  resource_id: draft.resourceId,
  action: draft.action,
  version: draft.version,
  fields: JSON.stringify(draft.fields),
  actor_id: draft.actor.id,
  actor_login: draft.actor.login,
});

/** Rows into a long write's temporary table (an import writes thousands): on SQLite multi-row INSERTs, their text kept per size. */
const pendingInserts = new Map<string, string>();
async function insertPending(trx: Db, table: string, rows: ChangesTable[]): Promise<void> {
  if (trx.getExecutor().adapter instanceof PostgresAdapter) {
    // COPY, as set-wise.ts: no statement to parse or plan, however many rows.
    await trx.executeQuery(CompiledQuery.raw(copyStatement(table, changeColumns), [new CopyRows(changeColumns, rows as unknown as Record<string, unknown>[])]));
    return;
  }
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    const key = `${table}:${chunk.length}`;
    let text = pendingInserts.get(key);
    if (!text) {
      const row = () => `(${changeColumns.map(() => '?').join(', ')})`;
      text = `insert into "${table}" (${changeColumns.map((c) => `"${c}"`).join(', ')}) values ${chunk.map(row).join(', ')}`;
      pendingInserts.clear();
      pendingInserts.set(key, text);
    }
    await trx.executeQuery(
      CompiledQuery.raw(
        text,
        chunk.flatMap((r) => changeColumns.map((c) => r[c])),
      ),
    );
  }
}

/**
 * Runs a long write whose change entries are numbered only as it ends: the domain's counter is
 * held for a moment at the end, not for the whole write, so other writers never wait behind it.
 * Until then its entries wait in a temporary table of the transaction (no index, no log), and
 * go into the feed numbered by one INSERT … SELECT a domain: written once, not written and then
 * updated.
 */
export async function numberedAtTheEnd<T>(trx: Db, write: () => Promise<T>): Promise<T> {
  if (!recording) return write();
  const pending = `changes_pending_${timeOrderedId().replaceAll('-', '')}`;
  const postgres = trx.getExecutor().adapter instanceof PostgresAdapter;
  await (
    postgres
      ? sql`create temporary table ${sql.id(pending)} (like changes) on commit drop`
      : sql`create temporary table ${sql.id(pending)} as select * from changes where 0`
  ).execute(trx);
  deferring.set(trx, pending);
  try {
    const result = await write();
    const domains = await sql<{ domain_id: string; count: number }>`select domain_id, count(*) as count from ${sql.id(pending)} group by domain_id`.execute(
      trx,
    );
    for (const { domain_id, count } of domains.rows) {
      const last = await takeNumbers(trx, domain_id, Number(count));
      const first = last - Number(count);
      await sql`insert into changes (id, domain_id, seq, batch, at, resource_type, resource_id, action, version, fields, actor_id, actor_login)
        select id, domain_id, ${first} + row_number() over (order by id), null, at, resource_type, resource_id, action, version, fields, actor_id, actor_login
        from ${sql.id(pending)} where domain_id = ${domain_id}`.execute(trx);
    }
    await sql`drop table ${sql.id(pending)}`.execute(trx);
    return result;
  } finally {
    deferring.delete(trx);
  }
}

const toView = (
  row: Pick<ChangesTable, 'seq' | 'at' | 'resource_type' | 'resource_id' | 'action' | 'version' | 'fields' | 'actor_id' | 'actor_login'>,
): ChangeView => ({
  seq: Number(row.seq),
  at: row.at,
  resource: { type: row.resource_type, id: row.resource_id },
  action: row.action,
  version: row.version,
  fields: JSON.parse(row.fields) as string[],
  actor: { id: row.actor_id, login: row.actor_login },
});

const shownColumns = ['seq', 'at', 'resource_type', 'resource_id', 'action', 'version', 'fields', 'actor_id', 'actor_login'] as const;

const changesAfter = prepared<{ domainId: string; after: number; limit: number }, Parameters<typeof toView>[0]>((db: Db, param) =>
  db
    .selectFrom('changes')
    .select(shownColumns)
    .where('domain_id', '=', param('domainId'))
    .where('seq', '>', param('after'))
    .orderBy('seq')
    .limit(param('limit')),
);

/** Committed entries of a domain after `after`, oldest first. */
export async function listChanges(db: Db, domainId: string, after: number, limit: number) {
  const rows = await changesAfter(db, { domainId, after, limit: limit + 1 });
  const items = rows.slice(0, limit).map(toView);
  return { items, nextCursor: rows.length > limit ? String(items[items.length - 1]?.seq) : null };
}

type UserScope = { domainId: string; userId: string; after: number; limit: number };

/**
 * What a stream of one user shows after `after`: that user's entries and the shared resources'
 * (everything that is not a user), each read by its own index, oldest first.
 */
const shownToUser = (db: Db, param: <K extends keyof UserScope>(name: K) => UserScope[K]) => {
  const own = db
    .selectFrom('changes')
    .select(shownColumns)
    .where('resource_id', '=', param('userId'))
    .where('domain_id', '=', param('domainId'))
    .where('seq', '>', param('after'))
    .orderBy('seq')
    .limit(param('limit'));
  // Written as a literal so that both engines see the partial index's own condition.
  const shared = db
    .selectFrom('changes')
    .select(shownColumns)
    .where('domain_id', '=', param('domainId'))
    .where(sql<boolean>`resource_type <> 'user'`)
    .where('seq', '>', param('after'))
    .orderBy('seq')
    .limit(param('limit'));
  return db
    .selectFrom(own.as('own'))
    .selectAll()
    .unionAll(db.selectFrom(shared.as('shared')).selectAll())
    .orderBy('seq')
    .limit(param('limit'));
};

const changesShownToUser = prepared<UserScope, Parameters<typeof toView>[0]>((db: Db, param) => shownToUser(db, param));

const countShownToUser = prepared<UserScope, { n: number | string }>((db: Db, param) =>
  db.selectFrom(shownToUser(db, param).as('shown')).select((eb) => eb.fn.countAll<number | string>().as('n')),
);

/** Committed entries after `after` that a stream of `userId` shows (its own and the shared resources'), oldest first. */
export async function listChangesShownToUser(db: Db, domainId: string, userId: string, after: number, limit: number): Promise<ChangeView[]> {
  return (await changesShownToUser(db, { domainId, userId, after, limit })).map(toView);
}

/** How many entries after `after` a stream of `userId` shows, counted up to `atMost`. */
export async function countChangesShownToUser(db: Db, domainId: string, userId: string, after: number, atMost: number): Promise<number> {
  const [row] = await countShownToUser(db, { domainId, userId, after, limit: atMost });
  return Number(row?.n ?? 0);
}

const oldestNumbered = prepared<{ domainId: string }, { seq: number | string | null }>((db: Db, param) =>
  db
    .selectFrom('changes')
    .select((eb) => eb.fn.min('seq').as('seq'))
    .where('domain_id', '=', param('domainId')),
);

/** The oldest number a domain's feed still holds (older ones were pruned), null when it holds none. */
export async function firstChange(db: Db, domainId: string): Promise<number | null> {
  const [row] = await oldestNumbered(db, { domainId });
  return row?.seq === undefined || row.seq === null ? null : Number(row.seq);
}

const allCounters = prepared<Record<string, never>, { domain_id: string; last_seq: number }>((db: Db) =>
  db.selectFrom('change_counters').select(['domain_id', 'last_seq']),
);

/** The newest number of every domain's feed. */
export const lastChanges = (db: Db) => allCounters(db, {});

/** The newest number of a domain's feed (0 before its first change). */
export async function lastChange(db: Db, domainId: string): Promise<number> {
  const row = await db.selectFrom('change_counters').select('last_seq').where('domain_id', '=', domainId).executeTakeFirst();
  return row ? Number(row.last_seq) : 0;
}

/** Forgets entries older than the retention; the counters go on. */
export async function pruneChanges(db: Db, before: Date): Promise<number> {
  const result = await db.deleteFrom('changes').where('at', '<', before.toISOString()).where('seq', 'is not', null).executeTakeFirst();
  return Number(result.numDeletedRows);
}
