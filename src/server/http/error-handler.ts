import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { DatabaseBusy } from '../db/busy.ts';
import { invalid, Problem, type FieldProblem } from './problem.ts';
import { problemInstance } from './request-id.ts';

/** Renders every error as problem+json; anything unexpected becomes a 500 without details. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const problem = toProblem(error);
    if (!problem) {
      request.log.error({ err: error }, 'unexpected error');
      return reply
        .code(500)
        .type('application/problem+json')
        .send({ ...internalError, instance: problemInstance(request) });
    }
    return reply
      .code(problem.status)
      .headers(problem.headers)
      .type('application/problem+json')
      .send({ ...problem.toJSON(), instance: problemInstance(request) });
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] as string;
    // The router says so itself unless a catch-all (the console's pages) let it look further.
    const problem = path.split('/').some((segment) => decodedLength(segment) > MAX_PARAM_LENGTH)
      ? paramTooLong()
      : new Problem(404, 'resource.not_found', `No route for ${request.method} ${path}`);
    return reply
      .code(problem.status)
      .type('application/problem+json')
      .send({ ...problem.toJSON(), instance: problemInstance(request) });
  });
}

/** The longest value a path carries: a domain name (253 characters, RFC 1035). */
export const MAX_PARAM_LENGTH = 253;

const paramTooLong = () => new Problem(414, 'request.uri_too_long', 'A part of the path is longer than any name or id this server knows');

function decodedLength(segment: string): number {
  try {
    return decodeURIComponent(segment).length;
  } catch {
    return segment.length;
  }
}

const internalError = { type: 'about:blank', title: 'Internal error', status: 500, code: 'server.error', detail: 'The server failed; the error is logged' };

/**
 * Fastify's refusals while routing, before any handler or hook (Fastify's `frameworkErrors`):
 * a path that is not valid percent-encoding, a path parameter over `maxParamLength`.
 */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const problem = routingProblem(error);
  if (!problem) {
    request.log.error({ err: error }, 'unexpected routing error');
    void reply
      .code(500)
      .type('application/problem+json')
      .send({ ...internalError, instance: problemInstance(request) });
    return;
  }
  void reply
    .code(problem.status)
    .type('application/problem+json')
    .send({ ...problem.toJSON(), instance: problemInstance(request) });
}

function routingProblem(error: FastifyError): Problem | undefined {
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return new Problem(400, 'request.bad_url', 'The path is not valid percent-encoded UTF-8');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return paramTooLong();
  }
  return undefined;
}

/**
 * Node's HTTP parser refuses some requests before Fastify sees them (Fastify's
 * `clientErrorHandler`): a request line and headers over `maxHeaderSize` (a long query string
 * among them), a timeout, a message that is not HTTP. The answer is written on the socket, which
 * is then closed: the parser cannot go on after such an error.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection has no one left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const problem = parserProblem(error);
  if (socket.writable) {
    const body = JSON.stringify(problem.toJSON());
    socket.write(
      `HTTP/1.1 ${problem.status} ${problem.title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

function parserProblem(error: NodeJS.ErrnoException): Problem {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new Problem(
        431,
        'request.header_too_large',
        'The request line and headers are larger than this server accepts; send long filters in fewer, shorter parameters',
      );
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new Problem(408, 'request.timeout', 'The request did not arrive in time');
  }
  return new Problem(400, 'request.malformed', 'The request is not well-formed HTTP');
}

function toProblem(error: FastifyError): Problem | undefined {
  if (error instanceof Problem) return error;
  if (error instanceof DatabaseBusy) return new Problem(503, error.code, error.message, undefined, { 'retry-after': '2' });
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = error.validationContext ?? 'body';
    return invalid(error.validation.flatMap((issue) => fieldProblems(where, issue)));
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new Problem(413, 'request.body_too_large', 'The request body is larger than this server accepts');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new Problem(415, 'request.unsupported_media_type', 'Send the body as application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return invalid([{ path: '', code: 'input.empty_body', message: 'The body is empty; send a JSON object' }]);
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return invalid([{ path: '', code: 'input.not_json', message: 'The body is not valid JSON' }]);
  }
  if (error instanceof SyntaxError && error.statusCode === 400) {
    return invalid([{ path: '', code: 'input.not_json', message: 'The body is not valid JSON' }]);
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return new Problem(error.statusCode, 'request.bad', error.message);
  }
  return undefined;
}

interface ValidationIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/**
 * A body path reads `roles/0`; other parts of the request are named first (`querystring/limit`).
 * An unknown field is reported at its own path.
 */
function fieldProblems(where: string, issue: ValidationIssue): FieldProblem[] {
  const segments = issue.instancePath.split('/').filter(Boolean);
  const base = (where === 'body' ? segments : [where, ...segments]).join('/');
  const keys = issue.params.keys;
  if (Array.isArray(keys) && keys.length > 0) {
    return keys.map((key) => ({ path: base ? `${base}/${String(key)}` : String(key), code: 'input.unknown_field', message: 'Unknown field' }));
  }
  return [{ path: base, code: `input.${issue.keyword}`, message: issue.message ?? 'Invalid value' }];
}
