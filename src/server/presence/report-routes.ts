import { z } from 'zod';
import type { Db } from '../db/schema.ts';
import { domainOf } from '../http/access.ts';
import { invalid } from '../http/problem.ts';
import type { Deps, Router } from '../deps.ts';
import { onlineByHour, secondsIn, type Change } from './report.ts';

const DAY = 86_400_000;
const reportQuery = z.strictObject({
  from: z.iso.datetime({ offset: true }).optional().describe('Default: 24 hours before `to`'),
  to: z.iso.datetime({ offset: true }).optional().describe('Default: now'),
});
export const presenceReport = z.object({
  from: z.string(),
  to: z.string(),
  statusSeconds: z
    .array(z.object({ userId: z.string(), login: z.string(), available: z.number(), break: z.number(), dnd: z.number() }))
    .describe('Seconds in each status, users who had one and are not deleted'),
  onlineByHour: z.array(z.object({ hour: z.string(), users: z.number().int() })).describe('Users online at some moment of each hour'),
});

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

/** The logins of those of `ids` not deleted, a chunk of ids a query. */
async function liveLogins(db: Db, domainId: string, ids: string[]) {
  const logins = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('users')
      .select(['id', 'login'])
      .where('domain_id', '=', domainId)
      .where('deleted_at', 'is', null)
      .where('id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const r of rows) logins.set(r.id, r.login);
  }
  return logins;
}

/** The dashboard's history: time in each status per user, and online users hour by hour. */
export function presenceReportRoutes(router: Router, { db, presence }: Deps): void {
  router.get('/api/v1/domains/:domain/reports/presence', {
    config: { access: { permission: 'users:read' } },
    schema: {
      tags: ['presence'],
      summary: 'Time in each status per user and online users by hour, over at most 31 days',
      params: z.object({ domain: z.string() }),
      querystring: reportQuery,
      response: { 200: presenceReport },
    },
    handler: async (request) => {
      const domain = domainOf(request);
      const to = request.query.to ? new Date(request.query.to) : new Date();
      const from = request.query.from ? new Date(request.query.from) : new Date(to.getTime() - DAY);
      if (!(from < to) || to.getTime() - from.getTime() > 31 * DAY)
        throw invalid([{ path: 'from', code: 'report.window', message: 'from is before to, at most 31 days' }]);
      await presence.flushHistory();
      const status = await history(db, domain.id, 'status', from, to);
      const online = await history(db, domain.id, 'online', from, to);
      const spans = secondsIn(status.before, status.changes, from, to);
      // Deleted users are gone from the directory, and so from its reports.
      const logins = await liveLogins(db, domain.id, Object.keys(spans));
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
    },
  });
}
