import type { Db } from '../db/schema.ts';
import { onlineByHour, secondsIn, type Change } from './report.ts';
import { loginsOf } from './store.ts';

/** A dimension's history over a window: each user's value at its start, and the changes within. */
async function history(db: Db, domainId: string, dimension: string, from: Date, to: Date) {
  const latestBefore = db
    .selectFrom('status_history')
    .select((eb) => eb.fn.max('id').as('id'))
    .where('domain_id', '=', domainId)
    .where('dimension', '=', dimension)
    .where('at', '<', from.toISOString())
    .groupBy('user_id');
  const before = await db.selectFrom('status_history').select(['user_id', 'value']).where('id', 'in', latestBefore).execute();
  const changes = await db
    .selectFrom('status_history')
    .select(['user_id as userId', 'value', 'at'])
    .where('domain_id', '=', domainId)
    .where('dimension', '=', dimension)
    .where('at', '>=', from.toISOString())
    .where('at', '<', to.toISOString())
    .orderBy('id')
    .execute();
  return { before: new Map(before.map((r) => [r.user_id, r.value])), changes: changes as Change[] };
}

/**
 * The dashboard's history over [from, to): time in each status per user not deleted, and online
 * users hour by hour, from status_history (flushed by the caller).
 */
export async function readPresenceReport(db: Db, domainId: string, from: Date, to: Date) {
  const status = await history(db, domainId, 'status', from, to);
  const online = await history(db, domainId, 'online', from, to);
  const spans = secondsIn(status.before, status.changes, from, to);
  // Deleted users are gone from the directory, and so from its reports.
  const logins = await loginsOf(db, domainId, Object.keys(spans));
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    statusSeconds: [...logins].map(([userId, login]) => ({
      userId,
      login,
      available: spans[userId]?.available ?? 0,
      break: spans[userId]?.break ?? 0,
      dnd: spans[userId]?.dnd ?? 0,
    })),
    onlineByHour: onlineByHour(online.before, online.changes, from, to),
  };
}
