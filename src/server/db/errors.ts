/** A write refused by a unique index, on either engine. */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** For `.catch`: a unique-index refusal becomes the given problem; anything else passes on. */
export const uniqueViolationAs =
  (problem: () => Error) =>
  (error: unknown): never => {
    throw isUniqueViolation(error) ? problem() : error;
  };
