import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import type { AuditActor } from '../audit/store.ts';
import type { Db } from '../db/schema.ts';
import type { DomainRecord } from '../domains/store.ts';
import { Problem } from '../http/problem.ts';
import { prepareChange, prepareUser, readUser, writeChange, writeNewUser, type PreparedChange, type PreparedUser, type Requester } from '../users/commands.ts';
import type { Safeguards } from '../users/safeguards.ts';
import { decodeCsv, detectDelimiter } from './csv-decoding.ts';
import { mapHeaders } from './import-columns.ts';
import { rowToUser, type CellProblem } from './import-rows.ts';

export const importQuery = z.strictObject({
  dryRun: z.enum(['true', 'false']).transform((v) => v === 'true').default(false).describe('Check everything, write nothing'),
  mode: z.enum(['atomic', 'partial']).default('atomic').describe('atomic: every row or none; partial: the valid rows, the others reported'),
  onExisting: z.enum(['fail', 'skip', 'update']).default('fail').describe('A login that exists already: a problem of its row, the row left out, or the user changed with the cells the file has'),
  encoding: z.enum(['utf-8', 'windows-1250', 'windows-1251']).optional().describe('Detected when absent'),
  delimiter: z.enum(['comma', 'semicolon', 'tab']).optional().describe('Detected when absent'),
  report: z.enum(['json', 'csv']).default('json').describe('csv: the file as sent, with an `error` column added to each row, to fix and send again'),
});

export const importResult = z.object({
  dryRun: z.boolean(),
  mode: z.enum(['atomic', 'partial']),
  encoding: z.string(),
  delimiter: z.string(),
  rows: z.number().int(),
  created: z.number().int().describe('Written (or, in a dry run, that would be)'),
  updated: z.number().int().describe('Existing users changed (onExisting=update)'),
  skipped: z.array(z.object({ row: z.number().int(), login: z.string() })),
  problems: z.array(z.object({ row: z.number().int(), column: z.string(), value: z.string(), message: z.string() })),
  unknownColumns: z.array(z.string()).describe('Headers matched to no field: their cells are not imported'),
});

type ImportQuery = z.infer<typeof importQuery>;
const delimiters = { comma: ',', semicolon: ';', tab: '\t' } as const;

/**
 * Imports users from a CSV file: decoded, parsed with csv-parse, each row checked like a user of
 * its own (row, column and value in every problem), then written in one transaction — every row
 * or none (atomic), or the valid ones (partial).
 */
export async function importUsers(db: Db, requester: Requester & AuditActor, domain: DomainRecord, file: Buffer, query: ImportQuery, guards: Safeguards) {
  const { text, encoding } = decodeCsv(file, query.encoding);
  const delimiter = query.delimiter ? delimiters[query.delimiter] : detectDelimiter(text);
  const records = parse(text, { delimiter, relax_column_count: true, skip_empty_lines: true }) as string[][];
  const [headers = [], ...rows] = records;
  const { columns, unknown } = mapHeaders(headers);
  const problems: CellProblem[] = [];
  const skipped: { row: number; login: string }[] = [];
  const ready: PreparedUser[] = [];
  const changes: PreparedChange[] = [];
  const seen = new Map<string, number>();
  const problemsOf = (row: number) => (error: unknown) => {
    if (!(error instanceof Problem)) throw error;
    for (const e of error.errors?.length ? error.errors : [{ path: 'row', message: error.detail }]) problems.push({ row, column: e.path, value: '', message: e.message });
  };
  for (const [index, cells] of rows.entries()) {
    const row = index + 2;
    const parsed = rowToUser(row, headers, columns, cells, { roles: ['agent'] });
    const login = parsed.user?.login ?? cells[columns.findIndex((c) => c.includes('login'))] ?? '';
    const key = login.toLowerCase();
    const existing = key ? await db.selectFrom('users').select('id').where('domain_id', '=', domain.id).where('login_key', '=', key).executeTakeFirst() : undefined;
    const earlier = seen.get(key);
    if (key && earlier !== undefined) {
      problems.push({ row, column: 'login', value: login, message: `The same login as row ${earlier}` });
      continue;
    }
    if (key) seen.set(key, row);
    if (existing && query.onExisting === 'update') {
      const { change, problems: changeProblems } = parsed.asChange();
      if (!change) problems.push(...changeProblems);
      else await prepareChange(db, requester, domain, await readUser(db, domain, existing.id), change, guards).then((p) => void (p.changed && changes.push(p)), problemsOf(row));
      continue;
    }
    if (!parsed.user) {
      problems.push(...parsed.problems);
      continue;
    }
    if (existing) {
      if (query.onExisting === 'skip') skipped.push({ row, login });
      else problems.push({ row, column: 'login', value: login, message: 'A user with this login exists already' });
      continue;
    }
    await prepareUser(db, requester, domain, parsed.user, guards).then((p) => void ready.push(p), problemsOf(row));
  }
  const refused = query.mode === 'atomic' && problems.length > 0;
  const [creates, updates] = refused ? [[], []] : [ready, changes];
  if (!query.dryRun && creates.length + updates.length) {
    await db.transaction().execute(async (trx) => {
      for (const user of creates) await writeNewUser(trx, requester, domain, user);
      for (const change of updates) await writeChange(trx, requester, domain, change);
    });
  }
  const report = { dryRun: query.dryRun, mode: query.mode, encoding, delimiter: delimiter === '\t' ? 'tab' : delimiter, rows: rows.length, created: creates.length, updated: updates.length, skipped, problems, unknownColumns: unknown.map((u) => u.header) };
  return { report, table: { headers, rows } };
}

/** The file as it came, with each row's problems in an added `error` column. */
export function withErrors(table: { headers: string[]; rows: string[][] }, problems: CellProblem[]): string[][] {
  const byRow = new Map<number, string[]>();
  for (const p of problems) byRow.set(p.row, [...(byRow.get(p.row) ?? []), `${p.column}: ${p.message}`]);
  return [[...table.headers, 'error'], ...table.rows.map((cells, index) => [...cells, (byRow.get(index + 2) ?? []).join('; ')])];
}
