import { z } from 'zod';
import { importColumns } from './columns.ts';

export const importQuery = z.strictObject({
  dryRun: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .default(false)
    .describe('Check everything, write nothing'),
  mode: z.enum(['atomic', 'partial']).default('atomic').describe('atomic: every row or none; partial: the valid rows, the others reported'),
  onExisting: z
    .enum(['fail', 'skip', 'update'])
    .default('fail')
    .describe('A login that exists already: a problem of its row, the row left out, or the user changed with the cells the file has'),
  encoding: z.enum(['utf-8', 'windows-1250', 'windows-1251']).optional().describe('Detected when absent'),
  delimiter: z.enum(['comma', 'semicolon', 'tab']).optional().describe('Detected when absent'),
  report: z.enum(['json', 'csv']).default('json').describe('csv: the file as sent, with an `error` column added to each row, to fix and send again'),
  columns: z
    .string()
    .max(20_000)
    .transform((text, context) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        context.addIssue({ code: 'custom', message: 'Not JSON' });
        return z.NEVER;
      }
    })
    .pipe(z.record(z.string().max(200), z.enum(['', ...importColumns] as [string, ...string[]])))
    .optional()
    .describe('A JSON object of header → column ("" leaves the header out), over the matching by names and aliases'),
});

/** Problems a report keeps; past these only the count grows, so memory stays flat for any file. */
export const PROBLEMS_KEPT = 10_000;
/** Runs of failed rows a report keeps: 16 bytes each, so a whole file's failed rows fit in little. */
export const FAILED_RUNS_KEPT = 100_000;

export const importResult = z.object({
  dryRun: z.boolean(),
  mode: z.enum(['atomic', 'partial']),
  encoding: z.string().describe("The file's encoding; utf-8 for a migration"),
  delimiter: z.string().describe("The file's delimiter; empty for a migration"),
  rows: z.number().int().describe("Rows of the file, or entries of a migration's source"),
  created: z.number().int().describe('Written (or, in a dry run or a refused atomic import, that would have been)'),
  updated: z.number().int().describe('Existing users changed (onExisting=update)'),
  written: z.boolean().describe('Whether the import is in the directory: false for a dry run, a refused atomic import or a cancelled one'),
  generatedSecrets: z.number().int().describe('SIP accounts given a generated secret (the file had none): GET …/jobs/{id}/secrets.csv answers them once'),
  skipped: z.array(z.object({ row: z.number().int(), login: z.string() })).describe(`The first ${PROBLEMS_KEPT}`),
  skippedCount: z.number().int(),
  problems: z
    .array(
      z.object({
        row: z.number().int(),
        column: z.string(),
        value: z.string().describe('The cell, cut at 40 characters; empty for a secret cell'),
        code: z.string().describe('What the problem is: input.* for the schema, import.* for the file, else the directory rule'),
        message: z.string(),
        params: z
          .record(z.string(), z.unknown())
          .optional()
          .describe("What the problem's words are made of (a limit, a row, a type), to say it in another language"),
        origin: z
          .string()
          .optional()
          .describe('Where the entry came from, for a migration from a PBX: `subscriber 1001@pbx.example.com`, a file of its configuration'),
      }),
    )
    .describe(`The first ${PROBLEMS_KEPT}`),
  problemCount: z.number().int(),
  failedRows: z
    .array(z.tuple([z.number().int(), z.number().int()]))
    .describe(
      `Every row with a problem, as [first, last] runs (all of them, past the problems listed), to fix and send again; at most ${FAILED_RUNS_KEPT} runs`,
    ),
  failedRowsComplete: z.boolean().describe('False when the runs were cut'),
  unknownColumns: z.array(z.string()).describe('Headers matched to no field: their cells are not imported'),
  mapping: z.array(z.object({ header: z.string(), columns: z.array(z.string()) })).describe('What each header of the file was read as'),
});

export type ImportQuery = z.infer<typeof importQuery>;
export type ImportReport = z.infer<typeof importResult>;
export interface ImportProgress {
  rows: number;
  created: number;
  updated: number;
  skipped: number;
  problems: number;
  rowsPerSecond: number;
  /** How much of the file is read, 0 to 1 (parsing runs a little ahead of writing). */
  fraction: number;
}

/** A SIP secret the import generated (the file gave none): shown once, like a range's. */
export interface GeneratedSecret {
  login: string;
  extension: string | null;
  sipUsername: string;
  sipSecret: string;
}
