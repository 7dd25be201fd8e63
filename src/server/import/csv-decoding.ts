import { open } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { pipeline, Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { invalid, type FieldProblem } from '../http/problem.ts';

/**
 * How an administrator's CSV file is read: its encoding (UTF-8 with or without a BOM, or the
 * Windows code pages Excel saves in Poland and Ukraine) and its delimiter, told from its first
 * 64 KiB, then the records streamed, so a file of any size is read in constant memory.
 */

export type CsvEncoding = 'utf-8' | 'windows-1250' | 'windows-1251';
export type CsvDelimiter = ',' | ';' | '\t';

const POLISH = /[ąćęłńóśźżĄĆĘŁŃÓŚŹŻ]/g;
const CYRILLIC = /[\u0400-\u04FF]/g;

/**
 * Decodes the file. UTF-8 when it has a BOM or is valid UTF-8; otherwise the Windows code page
 * whose reading gives more letters of its language (Polish for 1250, Cyrillic for 1251).
 */
export function decodeCsv(bytes: Uint8Array, encoding?: CsvEncoding): { text: string; encoding: CsvEncoding } {
  if (encoding) return { text: new TextDecoder(encoding).decode(bytes).replace(/^\uFEFF/, ''), encoding };
  try {
    // Streaming, so a sample cut inside a character still reads as UTF-8.
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true }).replace(/^\uFEFF/, ''), encoding: 'utf-8' };
  } catch {
    const polish = new TextDecoder('windows-1250').decode(bytes);
    const cyrillic = new TextDecoder('windows-1251').decode(bytes);
    const score = (text: string, letters: RegExp) => text.match(letters)?.length ?? 0;
    return score(cyrillic, CYRILLIC) > score(polish, POLISH) ? { text: cyrillic, encoding: 'windows-1251' } : { text: polish, encoding: 'windows-1250' };
  }
}

/** The delimiter the header line uses most, outside quotes. */
export function detectDelimiter(text: string): CsvDelimiter {
  const header = text.slice(0, Math.max(0, text.search(/\r?\n/)) || text.length);
  const counts = new Map<CsvDelimiter, number>([
    [',', 0],
    [';', 0],
    ['\t', 0],
  ]);
  let quoted = false;
  for (const c of header) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && counts.has(c as CsvDelimiter)) counts.set(c as CsvDelimiter, (counts.get(c as CsvDelimiter) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? ',';
}

const SAMPLE = 64 * 1024;

/**
 * The longest row, header line included, in characters: a row of every column with long lists
 * fits many times over. Past it the file is refused before more of it is held in memory.
 */
export const MAX_ROW = 64 * 1024;

/** The file's encoding and delimiter (given, or told from its start) and its records, streamed. */
export async function readCsv(path: string, given: { encoding?: CsvEncoding; delimiter?: CsvDelimiter } = {}) {
  const file = await open(path);
  const sample = Buffer.alloc(SAMPLE);
  const [{ bytesRead }, { size }] = await Promise.all([file.read(sample, 0, SAMPLE, 0), file.stat()]).finally(() => file.close());
  const { text, encoding } = decodeCsv(sample.subarray(0, bytesRead), given.encoding);
  const delimiter = given.delimiter ?? detectDelimiter(text);
  const read = { bytes: 0 };
  // Rows whose cell count differs from the header's are read, to be reported row by row.
  // pipeline, not pipe: a file refused while decoded ends the records with that problem.
  const records = (): AsyncIterable<string[]> =>
    readable(
      pipeline(
        Readable.from(decoded(path, encoding, read)),
        parse({ delimiter, relax_column_count: true, skip_empty_lines: true, max_record_size: MAX_ROW }),
        () => undefined,
      ),
    );
  /** How much of the file the records read so far came from, 0 to 1. */
  const fraction = () => (size ? Math.min(1, read.bytes / size) : 1);
  return { encoding, delimiter, records, fraction };
}

/**
 * The file as text. UTF-8 is decoded strictly: a byte that is not UTF-8 refuses the file instead
 * of becoming U+FFFD in the directory. A NUL is refused in every encoding.
 */
async function* decoded(path: string, encoding: CsvEncoding, read: { bytes: number }) {
  const decoder = new TextDecoder(encoding, { fatal: encoding === 'utf-8' });
  let lines = 1;
  const checked = (chunk?: Buffer) => {
    let text: string;
    try {
      text = chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
    } catch {
      const line = lines + (chunk ? lineOfInvalidByte(chunk) : 0);
      throw unreadable(
        'import.not_utf8',
        line,
        `Line ${line} is not UTF-8: give the file's encoding (encoding=windows-1250 or windows-1251) or save it as UTF-8`,
      );
    }
    const nul = text.indexOf('\0');
    if (nul >= 0) {
      const line = lines + newlines(text.slice(0, nul));
      throw unreadable('import.nul_character', line, `Line ${line} has a NUL character: no cell may hold one`);
    }
    lines += newlines(text);
    return text;
  };
  for await (const chunk of createReadStream(path, { highWaterMark: SAMPLE })) {
    read.bytes += (chunk as Buffer).length;
    yield checked(chunk as Buffer);
  }
  yield checked();
}

/** Lines of a chunk before its first byte that is not UTF-8 (the ends of a character cut by the previous chunk skipped). */
function lineOfInvalidByte(chunk: Buffer) {
  const start = chunk.findIndex((byte) => (byte & 0xc0) !== 0x80);
  const text = new TextDecoder('utf-8').decode(chunk.subarray(Math.max(0, start)));
  return newlines(text.slice(0, Math.max(0, text.indexOf('\uFFFD'))));
}

const newlines = (text: string) => text.split('\n').length - 1;

const unreadable = (code: string, line: number, message: string) => invalid([{ path: `lines/${line}`, code, message }], `The file cannot be read: ${message}`);

/** The records, with the parser's errors told as problems naming the row and the line, never a cell. */
async function* readable(records: AsyncIterable<string[]>): AsyncGenerator<string[]> {
  try {
    yield* records;
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const { records: before, lines } = error as CsvError & { records: number; lines: number };
    const problem = malformed(error.code, before + 1, lines);
    throw invalid([problem], `The file cannot be read: ${problem.message}`);
  }
}

function malformed(code: string, row: number, line: number): FieldProblem {
  const path = `rows/${row}`;
  const where = row === 1 ? `The header line (line ${line})` : `Row ${row} (line ${line})`;
  switch (code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return { path, code: 'import.quote_not_closed', message: `Row ${row} opens a quote that is never closed (the file ends at line ${line})` };
    case 'INVALID_OPENING_QUOTE':
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return { path, code: 'import.stray_quote', message: `${where} has a quote inside a cell: a cell with quotes is quoted whole, its quotes doubled ("")` };
    case 'CSV_MAX_RECORD_SIZE':
      return { path, code: row === 1 ? 'import.header_too_long' : 'import.row_too_long', message: `${where} is over ${MAX_ROW} characters` };
    default:
      return { path, code: 'import.malformed_csv', message: `${where} is not CSV the import can read` };
  }
}
