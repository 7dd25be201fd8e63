import type { FastifyInstance } from 'fastify';
import type { PresenceEngine } from './engine.ts';

/**
 * Every successful change to a domain's directory becomes a `directory` event of that domain: what
 * was changed (method and route) and, for a user's routes, which user. Clients re-read what they show.
 */
export function publishDirectoryChanges(app: FastifyInstance, presence: PresenceEngine): void {
  app.addHook('onResponse', async (request, reply) => {
    if (request.method === 'GET' || request.method === 'HEAD' || reply.statusCode >= 400 || !request.domain) return;
    const route = request.routeOptions.url ?? '';
    if (!route.startsWith('/api/v1/domains/:domain/') || route.includes('/auth/')) return;
    const params = request.params as { id?: string };
    const userId = route.startsWith('/api/v1/domains/:domain/users/:id') || route.startsWith('/api/v1/domains/:domain/agents/:id') ? (params.id ?? null) : null;
    const location = reply.getHeader('location');
    const created = typeof location === 'string' && route === '/api/v1/domains/:domain/users' ? location.split('/').pop() ?? null : null;
    await presence.store.publish(request.domain.id, { type: 'directory', userId: userId ?? created, data: { method: request.method, route, status: reply.statusCode } }).catch((error: unknown) => request.log.error({ err: error }, 'directory event failed'));
  });
}
