import { changeOf } from '../changes/rules.ts';
import { appendChanges } from '../changes/store.ts';
import { timeOrderedId } from '../identifiers/time-ordered-id.ts';
import { unlessBusy } from '../db/busy.ts';
import { insertSetWise, oneOf } from '../db/set-wise.ts';
import type { AuditLogTable, Db } from '../db/schema.ts';
import { decodeCursor, encodeCursor, toPage } from '../http/paging.ts';
import type { Changes } from './rules.ts';
import type { AuditEntryView, AuditQuery } from './schema.ts';

/** Who made a change: a signed-in user, or the server itself (`system`). */
export interface AuditActor {
  id: string | null;
  login: string;
}

export const systemActor: AuditActor = { id: null, login: 'system' };

export interface AuditRecord {
  domainId: string;
  actor: AuditActor;
  action: string;
  target: { type: string; id: string; name: string };
  changes: Changes;
  /** The version the target has after the write, where it keeps one. */
  version?: number;
}

/**
 * Writes entries in the caller's transaction, so the log and the change land together or not at
 * all; with them, the change feed's entry for each resource the write changed.
 */
export async function recordAudit(db: Db, ...records: AuditRecord[]): Promise<void> {
  if (records.length === 0) return;
  const rows = auditRows(records);
  // Many entries (a bulk operation's, an import chunk's): one statement, not one per few hundred.
  if (rows.length > 1) await insertSetWise(db, 'audit_log', rows);
  else await db.insertInto('audit_log').values(rows).execute();
  await appendChanges(
    db,
    records.flatMap((r) => changeOf(r) ?? []),
  );
}

/**
 * Writes the entry of a sign-in or sign-out (which changes no resource of the directory) into the
 * outbox, in the caller's transaction on the sign-in file (db/sign-in-file.ts): it needs no lock
 * of the directory's. `moveSignInAudit` brings it into the log.
 */
export async function recordSignInAudit(db: Db, record: AuditRecord): Promise<void> {
  if (changeOf(record)) throw new Error(`${record.action} changes a resource: it belongs in the log itself`);
  await db
    .insertInto('audit_outbox')
    .values(auditRows([record]))
    .execute();
}

const OUTBOX_BATCH = 1000;

/**
 * Moves sign-ins' entries from the outbox into the log, a batch at a time; skipped while a long
 * write holds the directory. Copying before deleting, and ignoring ids the log has, makes a move
 * cut short by a crash harmless to repeat.
 */
export async function moveSignInAudit(db: Db): Promise<void> {
  for (let moved = OUTBOX_BATCH; moved === OUTBOX_BATCH;) {
    const done = await unlessBusy(() =>
      db.transaction().execute(async (trx) => {
        const rows = await trx.selectFrom('audit_outbox').selectAll().orderBy('id').limit(OUTBOX_BATCH).execute();
        if (rows.length === 0) return 0;
        const ids = rows.map((r) => r.id);
        await trx
          .insertInto('audit_log')
          .columns(['id', 'domain_id', 'at', 'actor_id', 'actor_login', 'action', 'target_type', 'target_id', 'target_name', 'changes'])
          .expression((eb) =>
            eb
              .selectFrom('audit_outbox as o')
              .innerJoin('domains as d', 'd.id', 'o.domain_id')
              .select(['o.id', 'o.domain_id', 'o.at', 'o.actor_id', 'o.actor_login', 'o.action', 'o.target_type', 'o.target_id', 'o.target_name', 'o.changes'])
              .where(oneOf(trx, 'o.id', ids)),
          )
          .onConflict((oc) => oc.column('id').doNothing())
          .execute();
        await trx
          .deleteFrom('audit_outbox')
          .where(oneOf(trx, 'id', ids))
          .execute();
        return rows.length;
      }),
    );
    moved = done ?? 0;
  }
}

function auditRows(records: AuditRecord[]) {
  const at = new Date().toISOString();
  return records.map((r) => ({
    id: timeOrderedId(),
    domain_id: r.domainId,
    at,
    actor_id: r.actor.id,
    actor_login: r.actor.login,
    action: r.action,
    target_type: r.target.type,
    target_id: r.target.id,
    target_name: r.target.name,
    changes: JSON.stringify(r.changes),
  }));
}

const toView = (row: AuditLogTable): AuditEntryView => ({
  id: row.id,
  at: row.at,
  actor: { id: row.actor_id, login: row.actor_login },
  action: row.action,
  target: { type: row.target_type, id: row.target_id, name: row.target_name },
  changes: JSON.parse(row.changes) as Changes,
});

/** Newest first, sign-ins waiting in the outbox included when the directory can take them. */
export async function listAudit(db: Db, domainId: string, query: AuditQuery) {
  await moveSignInAudit(db);
  let select = db
    .selectFrom('audit_log')
    .selectAll()
    .where('domain_id', '=', domainId)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(query.limit + 1);
  // An id or a name: each side has its index (domain, column, at), so either finds its rows fast.
  const { target, actor } = query;
  if (target) select = select.where((eb) => eb.or([eb('target_id', '=', target), eb('target_name', '=', target)]));
  if (query.targetType) select = select.where('target_type', '=', query.targetType);
  if (actor) select = select.where((eb) => eb.or([eb('actor_id', '=', actor), eb('actor_login', '=', actor)]));
  if (query.action) select = select.where('action', '=', query.action);
  if (query.from) select = select.where('at', '>=', new Date(query.from).toISOString());
  if (query.to) select = select.where('at', '<', new Date(query.to).toISOString());
  if (query.cursor) {
    const [at, id] = decodeCursor(query.cursor);
    select = select.where((eb) => eb.or([eb('at', '<', String(at)), eb.and([eb('at', '=', String(at)), eb('id', '<', id)])]));
  }
  return toPage(await select.execute(), query.limit, toView, (row) => encodeCursor(row.at, row.id));
}
