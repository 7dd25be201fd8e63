import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { invalid, Problem, type FieldProblem } from './problem.ts';

/** Renders every error as problem+json; anything unexpected becomes a 500 without details. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const problem = toProblem(error);
    if (!problem) {
      request.log.error({ err: error }, 'unexpected error');
      return reply
        .code(500)
        .type('application/problem+json')
        .send({ type: 'about:blank', title: 'Internal error', status: 500, code: 'server.error', detail: 'The server failed; the error is logged' });
    }
    return reply.code(problem.status).headers(problem.headers).type('application/problem+json').send(problem.toJSON());
  });
  app.setNotFoundHandler((request, reply) => {
    const problem = new Problem(404, 'resource.not_found', `No route for ${request.method} ${request.url.split('?')[0]}`);
    return reply.code(404).type('application/problem+json').send(problem.toJSON());
  });
}

function toProblem(error: FastifyError): Problem | undefined {
  if (error instanceof Problem) return error;
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
