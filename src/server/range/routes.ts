import { stringify as stringifySync } from 'csv-stringify/sync';
import { z } from 'zod';
import { actorOf, domainOf } from '../http/access.ts';
import type { Deps, Router } from '../deps.ts';
import { createRange } from './commands.ts';
import { rangeInput, rangeResult } from './schema.ts';

const tags = ['bulk'];
const params = z.object({ domain: z.string() });

export function rangeRoutes(router: Router, { db, passwords, cipher, crm }: Deps): void {
  const guards = { passwords, cipher, crm };
  router.post('/api/v1/domains/:domain/users/range', {
    config: { access: { permission: 'users:create' } },
    schema: {
      tags,
      summary: 'Create one user per number of a range (Webitel "Multi")',
      description:
        'Login, extension and SIP username are the number; the template gives roles, groups, tags, licenses, agent settings and the SIP connection. The generated SIP secrets are in this answer only — ask with `Accept: text/csv` to get them as a file.',
      params,
      body: rangeInput,
      response: { 200: rangeResult },
    },
    handler: async (request, reply) => {
      const result = await createRange(db, actorOf(request), domainOf(request), request.body, guards);
      if (!String(request.headers.accept ?? '').includes('text/csv')) return result;
      const withPasswords = request.body.webPasswords;
      const csv = stringifySync(
        [
          ['login', 'extension', 'sipUsername', 'sipSecret', ...(withPasswords ? ['password'] : [])],
          ...result.created.map((u) => [u.login, u.extension, u.sipUsername, u.sipSecret, ...(withPasswords ? [u.password ?? ''] : [])]),
        ],
        { bom: true },
      );
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="range-${request.body.from}-${request.body.to}.csv"`)
        .send(csv as never);
    },
  });
}
