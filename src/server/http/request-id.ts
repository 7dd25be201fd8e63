import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** An id a caller or a proxy may choose: short, and nothing a log line or a header could be bent by. */
const SANE_ID = /^[A-Za-z0-9._:+=@/-]{1,128}$/;

/**
 * Each request's id (Fastify's `reqId` in every log line of it): the one the caller or a proxy
 * sent as `x-request-id` when it is a sane token, else a new UUID, unique across processes.
 */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && SANE_ID.test(given) ? given : randomUUID();
}

/** Every answer names its request, so a client's report can be found in the logs. */
export function answerRequestIds(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
}

/** The `instance` of a problem (RFC 9457): this occurrence, by the id its log lines carry. */
export const problemInstance = (request: FastifyRequest) => `urn:request:${request.id}`;
