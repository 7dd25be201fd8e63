import { z } from 'zod';
import { domainOf } from '../http/access.ts';
import { invalid } from '../http/problem.ts';
import type { Deps, Router } from '../deps.ts';
import { readPresenceReport } from './report-store.ts';

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
      return readPresenceReport(db, domain.id, from, to);
    },
  });
}
