import type { Config } from '../config.ts';
import type { Router } from '../deps.ts';
import { Problem } from '../http/problem.ts';
import { collectProcessMetrics, processRegistry } from './counters.ts';
import { appRegistry, type Measured } from './gauges.ts';
import { metricsRefusal } from './rules.ts';

/**
 * `/metrics` in Prometheus' text format: what the process counts (counters.ts) followed by what
 * this app measures (gauges.ts). Guarded by its own rule (rules.ts), not by a session: a
 * refusal is a problem like any other, and tells nothing of the metrics or the token.
 */
export function metricsRoutes(router: Router, measured: Measured, config: Pick<Config, 'metricsToken'>): void {
  collectProcessMetrics();
  const registry = appRegistry(router, measured);
  router.get('/metrics', {
    config: { access: { public: true } },
    schema: { hide: true },
    handler: async (request, reply) => {
      const refused = metricsRefusal(config.metricsToken, request.headers.authorization, request.ip);
      if (refused === 'token-required')
        throw new Problem(401, 'auth.not_authenticated', 'Metrics need the metrics token as a Bearer token', undefined, { 'www-authenticate': 'Bearer' });
      if (refused === 'loopback-only') throw new Problem(403, 'auth.forbidden', 'Metrics are served to this machine only');
      const text = (await processRegistry.metrics()) + (await registry.metrics());
      return reply.type(processRegistry.contentType).send(text);
    },
  });
}
