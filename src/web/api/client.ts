import { i18n } from '../i18n/index.ts';
import { translated } from '../i18n/validation.ts';

/** A refusal of the API, as its problem+json says it: every field problem with its path. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly errors: { path: string; code: string; message: string }[] = [],
  ) {
    super(detail);
  }

  /** The message of the problem at a field's path, in the console's language where it has one. */
  at(path: string): string | undefined {
    const problem = this.errors.find((e) => e.path === path);
    return problem && said(problem);
  }
}

/**
 * A problem in the console's language when it knows the code (a missing field as "Required"),
 * else the schema's own message translated, else as the server said it.
 */
export function said(problem: { code: string; message: string }): string {
  const key = `problems.${problem.code.replaceAll('.', '__')}`;
  if (i18n.exists(key)) return String(i18n.t(key));
  if (problem.code === 'input.invalid_type' && /received undefined$/.test(problem.message)) return String(i18n.t('validation.required'));
  return translated(problem.message);
}

/** Called when the session is gone (expired, signed out elsewhere): the console goes to sign-in. */
let onSignedOut: () => void = () => undefined;
export const whenSignedOut = (handler: () => void) => void (onSignedOut = handler);

/** Calls the API with the session cookie; answers the JSON, or throws an ApiProblem. */
export async function api<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return undefined as T;
  const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.ok) return answer as T;
  const problem = new ApiProblem(
    response.status,
    String(answer.code ?? 'unknown'),
    String(answer.detail ?? response.statusText),
    (answer.errors as ApiProblem['errors']) ?? [],
  );
  if (response.status === 401 && !path.endsWith('/auth/login')) onSignedOut();
  throw problem;
}
