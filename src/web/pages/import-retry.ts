import { parse } from 'csv-parse/browser/esm/sync';
import { stringify } from 'csv-stringify/browser/esm/sync';
import { z } from 'zod';
import type { importResult } from '../../server/import/schema.ts';
import { i18n, pickLanguage } from '../i18n/index.ts';

/**
 * What the import wizard keeps to send failed rows again without losing a cell: the file the
 * administrator chose, read in the browser as the server read it (the same parser, so its rows
 * carry the numbers the server's report names), and the cells as the administrator fixed them.
 * Secret cells never come back from the server; here they are the ones the file had, or typed.
 */

export type Report = z.infer<typeof importResult>;

/** The file's rows by the server's numbering: the header line is row 1, empty lines are not rows. */
export interface SourceFile {
  headers: string[];
  rows: Map<number, string[]>;
  /** comma, semicolon or tab, as the import's query names it. */
  delimiter: string;
}

const characters: Record<string, string> = { comma: ',', semicolon: ';', tab: '\t' };
/** The delimiter as a character: the report names tab, and gives `,` and `;` as they are. */
export const delimiterOf = (name: string) => characters[name] ?? name;
/** The delimiter as the import's query takes it. */
export const delimiterName = (name: string) => ({ ',': 'comma', ';': 'semicolon', '\t': 'tab', tab: 'tab' })[name] ?? name;

/** Reads the file's bytes in the encoding and with the delimiter the server found. */
export function readSource(bytes: ArrayBuffer | Uint8Array, encoding: string, delimiter: string): SourceFile {
  const text = new TextDecoder(encoding).decode(bytes).replace(/^\uFEFF/, '');
  const records = parse(text, { delimiter: delimiterOf(delimiter), relax_column_count: true, skip_empty_lines: true }) as string[][];
  const [headers = [], ...rest] = records;
  return { headers, rows: new Map(rest.map((cells, index) => [index + 2, cells])), delimiter: delimiterName(delimiter) };
}

/** Every row a report names as failed, in order (the runs, or the rows of its problems when it has none). */
export function failedRowsOf(report: Pick<Report, 'failedRows' | 'problems'>): number[] {
  if (report.failedRows.length === 0) return [...new Set(report.problems.map((p) => p.row))].sort((a, b) => a - b);
  return report.failedRows.flatMap(([first, last]) => Array.from({ length: last - first + 1 }, (_, i) => first + i));
}

/**
 * The rows to send as a CSV file in UTF-8 with the original delimiter and header line, each row
 * with the administrator's cells where they changed it; `sent[i]` is the original number of the
 * file's row i + 2, to read the answer's row numbers back.
 */
export function fileOf(source: SourceFile, rows: number[], edits: ReadonlyMap<number, string[]>): { text: string; sent: number[] } {
  const sent = rows.filter((row) => source.rows.has(row));
  const records = [source.headers, ...sent.map((row) => edits.get(row) ?? (source.rows.get(row) as string[]))];
  return { text: stringify(records, { delimiter: delimiterOf(source.delimiter), record_delimiter: '\n' }), sent };
}

/** A report about a file of some rows, told by the rows' numbers in the original file. */
export function inOriginalRows(report: Report, sent: number[] | null): Report {
  if (!sent) return report;
  const original = (row: number) => sent[row - 2] ?? row;
  const failed = failedRowsOf(report).map(original);
  return {
    ...report,
    problems: report.problems.map((p) => ({
      ...p,
      row: original(p.row),
      ...(p.code === 'import.same_login' && typeof p.params?.row === 'number' ? { params: { ...p.params, row: original(p.params.row) } } : {}),
    })),
    skipped: report.skipped.map((s) => ({ ...s, row: original(s.row) })),
    failedRows: failed.map((row): [number, number] => [row, row]),
  };
}

/**
 * A problem of the report in the console's language: by its code where the console knows it
 * (with the problem's parameters: a row, a limit, a license); a schema's own problem in the
 * schema library's words for the language; else as the server said it.
 */
export function problemWords(problem: { code: string; message: string; params?: Record<string, unknown> }): string {
  const key = `problems.${problem.code.replaceAll('.', '__')}`;
  if (i18n.exists(key)) return String(i18n.t(key, problem.params ?? {}));
  if (problem.code.startsWith('input.') && problem.params) {
    const locale = pickLanguage(i18n.language) === 'pl' ? z.locales.pl() : z.locales.en();
    const words = locale.localeError({ ...problem.params, code: problem.code.slice('input.'.length) } as never);
    return (typeof words === 'string' ? words : words?.message) ?? problem.message;
  }
  return problem.message;
}
