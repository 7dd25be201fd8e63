/**
 * How an administrator's CSV file is read before parsing: its encoding (UTF-8 with or without a
 * BOM, or the Windows code pages Excel saves in Poland and Ukraine) and its delimiter.
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
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, ''), encoding: 'utf-8' };
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
