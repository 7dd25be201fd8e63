import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** Bytes of COPY text sent in one message: big enough that the per-message cost vanishes. */
const MESSAGE = 64 * 1024;
const SPECIAL = /[\\\t\n\r]/;
const SPECIALS = /[\\\t\n\r]/g;
const ESCAPED: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/**
 * Rows for PostgreSQL's `COPY … FROM STDIN`, carried as the one parameter of a CompiledQuery:
 * Kysely hands its driver only SQL text and parameters, so the pool's client (connect.ts)
 * recognises them and streams them on the transaction's own connection.
 */
export class CopyRows {
  constructor(
    readonly columns: readonly string[],
    readonly rows: readonly Record<string, unknown>[],
  ) {}

  /** The rows in COPY's text format, a message's worth at a time. */
  *text(): Generator<string> {
    let message = '';
    for (const row of this.rows) {
      let line = '';
      for (let i = 0; i < this.columns.length; i += 1) line += (i ? '\t' : '') + field(row[this.columns[i] as string]);
      message += `${line}\n`;
      if (message.length < MESSAGE) continue;
      yield message;
      message = '';
    }
    if (message) yield message;
  }
}

export const copyStatement = (table: string, columns: readonly string[]) => `copy "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) from stdin`;

/** Runs a COPY on the client; its errors (a unique index's refusal among them) are PostgreSQL's own, as an INSERT's. */
export async function copyIn(client: pg.PoolClient, text: string, rows: CopyRows): Promise<{ command: string; rowCount: number; rows: never[] }> {
  const stream = client.query(copyFrom(text));
  await pipeline(Readable.from(rows.text()), stream);
  return { command: 'COPY', rowCount: stream.rowCount, rows: [] };
}

/**
 * A value as COPY's text format reads it. The directory's columns are text and integers (its
 * times are ISO text, its flags 0 and 1): a value of another kind is refused, not guessed at.
 */
function field(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'string') return SPECIAL.test(value) ? value.replace(SPECIALS, (c) => ESCAPED[c] as string) : value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  throw new TypeError(`COPY takes text and numbers, not ${Object.prototype.toString.call(value)}`);
}
