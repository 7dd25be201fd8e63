import { sql } from 'kysely';
import { timeOrderedId } from '../identifiers/time-ordered-id.ts';
import type { ChangesTable, Db } from '../db/schema.ts';
import type { ChangeDraft } from './rules.ts';
import type { ChangeView } from './schema.ts';

/** Transactions that number their entries as they commit, with the token marking them. */
const deferring = new WeakMap<Db, string>();

/**
 * Takes the next `count` numbers of a domain's feed; answers the last. On PostgreSQL the
 * counter's row stays locked until the transaction ends, so entries are numbered in commit order
 * and a reader never passes a number still to be committed.
 */
async function takeNumbers(trx: Db, domainId: string, count: number): Promise<number> {
  const row = await trx
    .insertInto('change_counters')
    .values({ domain_id: domainId, last_seq: count })
    .onConflict((oc) => oc.column('domain_id').doUpdateSet((eb) => ({ last_seq: eb('change_counters.last_seq', '+', eb.ref('excluded.last_seq')) })))
    .returning('last_seq')
    .executeTakeFirstOrThrow();
  return Number(row.last_seq);
}

/** Writes change entries in the caller's transaction, numbered now or, in a long one, as it commits. */
export async function appendChanges(trx: Db, drafts: ChangeDraft[]): Promise<void> {
  if (!drafts.length) return;
  const at = new Date().toISOString();
  const batch = deferring.get(trx) ?? null;
  const rows: ChangesTable[] = [];
  const byDomain = new Map<string, ChangeDraft[]>();
  for (const draft of drafts) {
    const ofDomain = byDomain.get(draft.domainId) ?? [];
    ofDomain.push(draft);
    byDomain.set(draft.domainId, ofDomain);
  }
  for (const [domainId, ofDomain] of byDomain) {
    const last = batch ? null : await takeNumbers(trx, domainId, ofDomain.length);
    ofDomain.forEach((d, i) =>
      rows.push({
        id: timeOrderedId(),
        domain_id: domainId,
        seq: last === null ? null : last - ofDomain.length + 1 + i,
        batch,
        at,
        resource_type: d.resourceType,
        resource_id: d.resourceId,
        action: d.action,
        version: d.version,
        fields: JSON.stringify(d.fields),
        actor_id: d.actor.id,
        actor_login: d.actor.login,
      }),
    );
  }
  for (let i = 0; i < rows.length; i += 500)
    await trx
      .insertInto('changes')
      .values(rows.slice(i, i + 500))
      .execute();
}

/**
 * Runs a long write whose change entries are numbered only as it ends: the domain's counter is
 * held for a moment at the end, not for the whole write, so other writers never wait behind it.
 */
export async function numberedAtTheEnd<T>(trx: Db, write: () => Promise<T>): Promise<T> {
  const batch = timeOrderedId();
  deferring.set(trx, batch);
  try {
    const result = await write();
    const domains = await trx
      .selectFrom('changes')
      .select(['domain_id', (eb) => eb.fn.countAll<number>().as('count')])
      .where('batch', '=', batch)
      .groupBy('domain_id')
      .execute();
    for (const { domain_id, count } of domains) {
      const last = await takeNumbers(trx, domain_id, Number(count));
      const first = last - Number(count);
      await sql`update changes set seq = ${first} + numbered.n, batch = null
        from (select id, row_number() over (order by id) as n from changes where batch = ${batch} and domain_id = ${domain_id}) as numbered
        where changes.id = numbered.id`.execute(trx);
    }
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

/** Committed entries of a domain after `after`, oldest first. */
export async function listChanges(db: Db, domainId: string, after: number, limit: number) {
  const rows = await db
    .selectFrom('changes')
    .select(['seq', 'at', 'resource_type', 'resource_id', 'action', 'version', 'fields', 'actor_id', 'actor_login'])
    .where('domain_id', '=', domainId)
    .where('seq', '>', after)
    .orderBy('seq')
    .limit(limit + 1)
    .execute();
  const items = rows.slice(0, limit).map(toView);
  return { items, nextCursor: rows.length > limit ? String(items[items.length - 1]?.seq) : null };
}

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
