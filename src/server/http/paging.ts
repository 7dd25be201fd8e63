import { z } from 'zod';
import { invalid } from './problem.ts';

export const limitSchema = z.coerce.number().int().min(1).max(500).default(50);

/**
 * A cursor is the last item's sort value and id, opaque to clients; a list ordered in tiers
 * first (a search's better matches before the others) adds the item's tier.
 */
export function encodeCursor(value: string | number, id: string, tier?: number): string {
  return Buffer.from(JSON.stringify(tier === undefined ? [value, id] : [value, id, tier])).toString('base64url');
}

export function decodeCursor(cursor: string): [string | number, string, number?] {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(decoded) &&
      (decoded.length === 2 || (decoded.length === 3 && Number.isInteger(decoded[2]))) &&
      (typeof decoded[0] === 'string' || typeof decoded[0] === 'number') &&
      typeof decoded[1] === 'string'
    ) {
      return decoded.length === 3 ? [decoded[0], decoded[1], decoded[2] as number] : [decoded[0], decoded[1]];
    }
  } catch {
    // fall through to the same answer as a well-formed but wrong cursor
  }
  throw invalid([{ path: 'querystring/cursor', code: 'input.invalid_cursor', message: 'Not a cursor this server issued' }]);
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Takes `limit + 1` rows and turns the extra one into the next cursor. */
export function toPage<R, T>(rows: R[], limit: number, toItem: (row: R) => T, cursorOf: (row: R) => string): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return { items: kept.map(toItem), nextCursor: more && last ? cursorOf(last) : null };
}

export const pageSchema = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });
