import { describe, expect, it } from 'vitest';
import { i18n } from '../i18n/index.ts';
import { failedRowsOf, fileOf, inOriginalRows, problemWords, readSource, type Report } from './import-retry.ts';

const report = (fields: Partial<Report>): Report => ({
  dryRun: false,
  mode: 'partial',
  encoding: 'utf-8',
  delimiter: ';',
  rows: 0,
  created: 0,
  updated: 0,
  written: true,
  generatedSecrets: 0,
  skipped: [],
  skippedCount: 0,
  problems: [],
  problemCount: 0,
  failedRows: [],
  failedRowsComplete: true,
  unknownColumns: [],
  mapping: [],
  ...fields,
});

describe('sending failed rows of an import again', () => {
  it('reads the file by the server’s row numbers and writes the rows back with every cell, in its delimiter', () => {
    const text = 'login;password;description\n\nann;"Pass;word,1";"Sales; night"\nbob;"Pa""ss";x\n';
    const source = readSource(new TextEncoder().encode(text), 'utf-8', ';');
    expect([...source.rows.keys()]).toEqual([2, 3]);
    expect(source.rows.get(2)).toEqual(['ann', 'Pass;word,1', 'Sales; night']);
    const { text: sent, sent: rows } = fileOf(source, [3], new Map([[3, ['bob-2', 'Pa"ss', 'x']]]));
    expect(rows).toEqual([3]);
    expect(sent).toBe('login;password;description\nbob-2;"Pa""ss";x\n');
    expect(readSource(new TextEncoder().encode(sent), 'utf-8', 'semicolon').rows.get(2)).toEqual(['bob-2', 'Pa"ss', 'x']);
  });

  it('reads a Windows-1250 file as the server found it', () => {
    const bytes = new Uint8Array([0x6c, 0x6f, 0x67, 0x69, 0x6e, 0x0a, 0xb3, 0x75, 0x6b, 0x61, 0x73, 0x7a, 0x0a]);
    expect(readSource(bytes, 'windows-1250', ',').rows.get(2)).toEqual(['łukasz']);
  });

  it('tells the answer about the rows sent by their numbers in the original file', () => {
    const answer = report({
      problems: [{ row: 3, column: 'login', value: 'x', code: 'import.same_login', message: 'The same login as row 2', params: { row: 2 } }],
      failedRows: [[3, 3]],
      skipped: [{ row: 2, login: 'y' }],
    });
    const told = inOriginalRows(answer, [7, 12]);
    expect(told.problems[0]).toMatchObject({ row: 12, params: { row: 7 } });
    expect(told.skipped[0]?.row).toBe(7);
    expect(failedRowsOf(told)).toEqual([12]);
    expect(
      failedRowsOf(
        report({
          failedRows: [
            [2, 4],
            [9, 9],
          ],
        }),
      ),
    ).toEqual([2, 3, 4, 9]);
  });

  it('says the import’s problems in Polish, with their parameters, and the schema’s in the schema library’s Polish', async () => {
    await i18n.changeLanguage('pl');
    try {
      expect(problemWords({ code: 'import.same_login', message: 'The same login as row 2', params: { row: 2 } })).toBe('Ten sam login co w wierszu 2');
      expect(problemWords({ code: 'role.unknown', message: 'No role named "x"' })).toBe('Nie ma takiej roli w tej domenie');
      expect(
        problemWords({ code: 'input.invalid_type', message: 'Invalid input: expected boolean, received string', params: { expected: 'boolean', input: '' } }),
      ).toMatch(/^Nieprawidłowe dane wejściowe: oczekiwano boolean/);
      expect(problemWords({ code: 'input.invalid_format', message: 'Latin letters, digits…' })).toBe('Latin letters, digits…');
    } finally {
      await i18n.changeLanguage('en');
    }
  });
});
