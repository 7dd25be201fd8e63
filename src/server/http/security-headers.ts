import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

/**
 * Helmet's security headers on every answer (the API reference's own assets set their CSP on
 * their routes). Its middleware is built once: @fastify/helmet builds it anew for each request,
 * parsing the Content-Security-Policy directives every time, which cost as much as a read of a
 * user from SQLite.
 */
export function sendSecurityHeaders(app: FastifyInstance): void {
  const secure = helmet();
  // Helmet throws rather than passing an error on (since 8.1); it passes none.
  app.addHook('onRequest', (request, reply, done) => secure(request.raw, reply.raw, () => done()));
}
