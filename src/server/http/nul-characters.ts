import type { FastifyInstance } from 'fastify';
import { invalid, type FieldProblem } from './problem.ts';

/**
 * PostgreSQL cannot store or even compare text holding U+0000 (SQLite can), so no name, id or
 * field of the directory holds it: input that carries one is refused alike on both engines, with
 * every place it occurs, before the guard looks up the domain in the path.
 */
export function refuseNulCharacters(app: FastifyInstance): void {
  // Hooks that call back rather than return a promise: they run on every request.
  app.addHook('onRequest', (request, _reply, done) => {
    // Copied: the router's parameters are instances of its own class, not plain objects.
    const problems = [...nulProblems({ ...(request.params as object) }, ['params']), ...nulProblems({ ...(request.query as object) }, ['querystring'])];
    done(problems.length ? invalid(problems) : undefined);
  });
  app.addHook('preValidation', (request, _reply, done) => {
    const problems = nulProblems(request.body, []);
    done(problems.length ? invalid(problems) : undefined);
  });
}

/** Walks parsed JSON breadth first, without recursion: a body may nest deeper than the stack. */
function nulProblems(input: unknown, root: string[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const pending: Array<{ value: unknown; path: string[] }> = [{ value: input, path: root }];
  for (let index = 0; index < pending.length; index += 1) {
    const { value, path } = pending[index] as (typeof pending)[number];
    if (typeof value === 'string') {
      if (value.includes('\u0000'))
        problems.push({ path: path.join('/'), code: 'input.nul_character', message: 'Text cannot hold the NUL character (U+0000)' });
    } else if (Array.isArray(value)) {
      value.forEach((item, position) => pending.push({ value: item, path: [...path, String(position)] }));
    } else if (isPlainObject(value)) {
      for (const [key, item] of Object.entries(value)) {
        if (key.includes('\u0000'))
          problems.push({ path: [...path, key].join('/'), code: 'input.nul_character', message: 'A field name cannot hold the NUL character (U+0000)' });
        pending.push({ value: item, path: [...path, key] });
      }
    }
  }
  return problems;
}

/** Parsed JSON or a parsed query string (which has no prototype); not a stream or a buffer. */
const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};
