/** Fields whose values never reach the audit log; a change to them is noted, masked. */
export const secretFields = new Set(['password', 'passwordHash', 'secret', 'pin', 'token', 'caldavToken']);
export const MASK = '********';

/** Ignored when comparing states: they change with every write and say nothing. */
const bookkeeping = new Set(['version', 'updatedAt', 'createdAt']);

export type Changes = Record<string, { from: unknown; to: unknown }>;

/** What differs between two states of a thing, with secrets masked. */
export function diff(before: object | null, after: object | null, changedSecrets: string[] = []): Changes {
  const a = (before ?? {}) as Record<string, unknown>;
  const b = (after ?? {}) as Record<string, unknown>;
  const changes: Changes = {};
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (bookkeeping.has(key)) continue;
    const from = a[key] ?? null;
    const to = b[key] ?? null;
    if (secretFields.has(key)) {
      if (JSON.stringify(from) !== JSON.stringify(to)) changes[key] = { from: from === null ? null : MASK, to: to === null ? null : MASK };
    } else if (JSON.stringify(from) !== JSON.stringify(to)) {
      changes[key] = { from, to };
    }
  }
  for (const key of changedSecrets) changes[key] = { from: MASK, to: MASK };
  return changes;
}
