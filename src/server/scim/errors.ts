import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { DatabaseBusy } from '../db/busy.ts';
import { Problem } from '../http/problem.ts';
import { ScimFilterError, ScimPathError } from './filter.ts';

export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** RFC 7644 §3.12's error types. */
export type ScimType =
  'invalidFilter' | 'tooMany' | 'uniqueness' | 'mutability' | 'invalidSyntax' | 'invalidPath' | 'noTarget' | 'invalidValue' | 'invalidVers' | 'sensitive';

/** A refusal in SCIM's words; still a Problem, so code outside SCIM treats it like any other. */
export class ScimProblem extends Problem {
  constructor(
    status: number,
    readonly scimType: ScimType | undefined,
    detail: string,
  ) {
    super(status, `scim.${scimType ?? 'error'}`, detail);
  }
}

export const invalidValue = (detail: string) => new ScimProblem(400, 'invalidValue', detail);
export const invalidSyntax = (detail: string) => new ScimProblem(400, 'invalidSyntax', detail);
export const invalidPath = (detail: string) => new ScimProblem(400, 'invalidPath', detail);
export const noTarget = (detail: string) => new ScimProblem(400, 'noTarget', detail);
export const mutability = (detail: string) => new ScimProblem(400, 'mutability', detail);

/** The scimType a Problem of the directory's means, judged by its status and code. */
function scimTypeOf(problem: Problem): ScimType | undefined {
  if (problem instanceof ScimProblem) return problem.scimType;
  if (problem.status === 409) return 'uniqueness';
  if (problem.status !== 400) return undefined;
  return problem.errors?.some((e) => e.code === 'input.not_json' || e.code === 'input.empty_body') ? 'invalidSyntax' : 'invalidValue';
}

/** Every error of a SCIM route as a SCIM error, its status a string (RFC 7644 §3.12); anything unexpected a 500 without details. */
export function scimErrorOf(error: unknown): { status: number; body: Record<string, unknown>; headers: Record<string, string> } {
  const problem = toProblem(error as FastifyError);
  if (!problem) return { status: 500, body: errorBody(500, undefined, 'The server failed; the error is logged'), headers: {} };
  const detail = problem.errors?.length ? problem.errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; ') : problem.detail;
  return { status: problem.status, body: errorBody(problem.status, scimTypeOf(problem), detail), headers: problem.headers };
}

const errorBody = (status: number, scimType: ScimType | undefined, detail: string) => ({
  schemas: [ERROR_SCHEMA],
  status: String(status),
  ...(scimType ? { scimType } : {}),
  detail,
});

function toProblem(error: FastifyError): Problem | undefined {
  if (error instanceof Problem) return error;
  if (error instanceof ScimFilterError) return new ScimProblem(400, 'invalidFilter', error.message);
  if (error instanceof ScimPathError) return invalidPath(error.message);
  if (error instanceof DatabaseBusy) return new Problem(503, error.code, error.message, undefined, { 'retry-after': '2' });
  if (hasZodFastifySchemaValidationErrors(error))
    return invalidValue(error.validation.map((v) => `${v.instancePath || error.validationContext}: ${v.message}`).join('; '));
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ScimProblem(413, undefined, 'The request body is larger than maxPayloadSize of the ServiceProviderConfig');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new Problem(415, 'request.unsupported_media_type', 'Send the body as application/scim+json or application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return invalidSyntax('The body is empty; send a JSON object');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return invalidSyntax('The body is not valid JSON');
  }
  if (error instanceof SyntaxError) return invalidSyntax('The body is not valid JSON');
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500)
    return new Problem(error.statusCode, 'request.bad', error.message);
  return undefined;
}

/** SCIM routes answer their errors, and unknown SCIM URLs, in SCIM's form. */
export function installScimErrors(scope: FastifyInstance): void {
  scope.setErrorHandler((error, request, reply) => {
    const answer = scimErrorOf(error);
    if (answer.status >= 500) request.log.error({ err: error }, 'unexpected error');
    return reply.code(answer.status).headers(answer.headers).type(SCIM_JSON).send(answer.body);
  });
  scope.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .type(SCIM_JSON)
      .send(errorBody(404, undefined, `No SCIM endpoint ${request.method} ${request.url.split('?')[0]}`)),
  );
}

export const SCIM_JSON = 'application/scim+json; charset=utf-8';
