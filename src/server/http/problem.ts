/**
 * One problem in the input: where it is (a JSON path joined with `/`), a stable `code` for
 * programs and a `message` for people.
 */
export interface FieldProblem {
  path: string;
  code: string;
  message: string;
}

const titles: Record<number, string> = {
  400: 'Invalid input',
  401: 'Not authenticated',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Conflict',
  408: 'Request timeout',
  412: 'Precondition failed',
  413: 'Body too large',
  414: 'URI too long',
  415: 'Unsupported media type',
  422: 'Unprocessable content',
  428: 'Precondition required',
  429: 'Too many requests',
  431: 'Request header fields too large',
  503: 'Service unavailable',
};

/**
 * An error that is the client's to fix; rendered as RFC 9457 problem+json.
 * `code` is stable and dotted (`area.what`, for programs), `detail` is for people.
 */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly errors?: FieldProblem[],
    /** Headers the answer carries, such as `retry-after`. */
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }

  get title(): string {
    return titles[this.status] ?? 'Error';
  }

  toJSON() {
    return {
      type: `https://switchboard.dev/problems/${this.code}`,
      title: this.title,
      status: this.status,
      code: this.code,
      detail: this.detail,
      ...(this.errors ? { errors: this.errors } : {}),
    };
  }
}

export const invalid = (errors: FieldProblem[], detail = describe(errors)) => new Problem(400, 'request.invalid', detail, errors);
export const notFound = (what: string) => new Problem(404, 'resource.not_found', `${what} was not found`);
export const forbidden = (detail = 'You do not have the permission this needs') => new Problem(403, 'auth.forbidden', detail);
export const conflict = (code: string, detail: string, errors?: FieldProblem[]) => new Problem(409, code, detail, errors);

function describe(errors: FieldProblem[]): string {
  return errors.length === 1 ? '1 problem in the input' : `${errors.length} problems in the input`;
}

/**
 * Checks that each may refuse the input, run one after another with every refusal kept, so the
 * client hears all of them in one answer instead of fixing in rounds. Only refusals of the input
 * (400) and conflicts (409) are kept; anything else is thrown at once.
 */
export class Refusals {
  readonly #kept: Problem[] = [];

  /** Runs a check; its refusal is kept instead of thrown, and the answer is undefined. */
  async check<T>(step: () => Promise<T> | T): Promise<T | undefined> {
    try {
      return await step();
    } catch (error) {
      if (!(error instanceof Problem) || (error.status !== 400 && error.status !== 409)) throw error;
      this.#kept.push(error);
      return undefined;
    }
  }

  /** Keeps a refusal found without throwing. */
  keep(problem: Problem): void {
    this.#kept.push(problem);
  }

  get any(): boolean {
    return this.#kept.length > 0;
  }

  /** Refuses with everything kept: 400 when any of it is invalid input, else the first conflict's code. */
  throwIfAny(): void {
    const [first, ...rest] = this.#kept;
    if (!first) return;
    if (rest.length === 0) throw first;
    const errors = this.#kept.flatMap((p) => (p.errors?.length ? p.errors : [{ path: '', code: p.code, message: p.detail }]));
    if (this.#kept.some((p) => p.status === 400)) throw invalid(errors);
    throw conflict(first.code, this.#kept.map((p) => p.detail).join('; '), errors);
  }
}

/** Throws the refusal a rule answered, if it answered one. */
export function refuse(problem: Error | null): void {
  if (problem) throw problem;
}
