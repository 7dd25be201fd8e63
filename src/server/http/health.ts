import { z } from 'zod';
import type { Storage } from '../db/connect.ts';
import type { Router } from '../deps.ts';

const status = z.object({ status: z.enum(['ok', 'unavailable']) });

/** Liveness says the process answers; readiness says it can reach its database. */
export function healthRoutes(router: Router, storage: Storage): void {
  router.get('/healthz', {
    config: { access: { public: true } },
    schema: { tags: ['health'], summary: 'The process is alive', response: { 200: status } },
    handler: async () => ({ status: 'ok' as const }),
  });
  router.get('/readyz', {
    config: { access: { public: true } },
    schema: { tags: ['health'], summary: 'The database is reachable', response: { 200: status, 503: status } },
    handler: async (_request, reply) => {
      const ready = await storage.ping();
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable' });
    },
  });
}
