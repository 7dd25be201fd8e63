import { open } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse';

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
  const counts = new Map<CsvDelimiter, number>([[',', 0], [';', 0], ['\t', 0]]);
  let quoted = false;
  for (const c of header) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && counts.has(c as CsvDelimiter)) counts.set(c as CsvDelimiter, (counts.get(c as CsvDelimiter) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? ',';
}

const SAMPLE = 64 * 1024;

/** The file's encoding and delimiter (given, or told from its start) and its records, streamed. */
export async function readCsv(path: string, given: { encoding?: CsvEncoding; delimiter?: CsvDelimiter } = {}) {
  const file = await open(path);
  const sample = Buffer.alloc(SAMPLE);
  const [{ bytesRead }, { size }] = await Promise.all([file.read(sample, 0, SAMPLE, 0), file.stat()]).finally(() => file.close());
  const { text, encoding } = decodeCsv(sample.subarray(0, bytesRead), given.encoding);
  const delimiter = given.delimiter ?? detectDelimiter(text);
  const read = { bytes: 0 };
  const records = (): AsyncIterable<string[]> => Readable.from(decoded(path, encoding, read)).pipe(parse({ delimiter, relax_column_count: true, skip_empty_lines: true }));
  /** How much of the file the records read so far came from, 0 to 1. */
  const fraction = () => (size ? Math.min(1, read.bytes / size) : 1);
  return { encoding, delimiter, records, fraction };
}

async function* decoded(path: string, encoding: CsvEncoding, read: { bytes: number }) {
  const decoder = new TextDecoder(encoding);
  for await (const chunk of createReadStream(path, { highWaterMark: SAMPLE })) {
    read.bytes += (chunk as Buffer).length;
    yield decoder.decode(chunk as Buffer, { stream: true });
  }
  yield decoder.decode();
}
