import type { FieldProblem } from '../http/problem.ts';
import { userColumns } from '../csv/columns.ts';
import { excerpt } from './excerpt.ts';

/**
 * Columns the import reads besides the export's: secrets an administrator may bring, and a full
 * name. The SIP digests (lower-case hex, as Kamailio's subscriber table keeps them) stand for a
 * SIP secret another system holds: kept as they are, so its phones keep registering.
 */
const importOnly = ['password', 'passwordHash', 'sipSecret', 'sipHa1Md5', 'sipHa1bMd5', 'sipHa1Sha256', 'sipHa1bSha256', 'voicemailPin', 'name'] as const;

/** The digest columns, and the stored digest each fills. */
export const digestColumns = { sipHa1Md5: 'ha1_md5', sipHa1bMd5: 'ha1b_md5', sipHa1Sha256: 'ha1_sha256', sipHa1bSha256: 'ha1b_sha256' } as const;

export type ImportColumn = (typeof userColumns)[number]['name'] | (typeof importOnly)[number];

export const importColumns: ImportColumn[] = [...userColumns.map((c) => c.name), ...importOnly];

/** Columns whose cells are secrets: never repeated in a report, an event or the error file. */
export const secretColumns: ReadonlySet<ImportColumn> = new Set([
  'password',
  'passwordHash',
  'sipSecret',
  'voicemailPin',
  ...Object.keys(digestColumns),
] as ImportColumn[]);

/**
 * Header names of the files administrators already have, and what they mean here. Matched after
 * lower-casing and trimming. Webitel's `Id` is the user's number: login and extension at once.
 */
const aliases: Record<string, ImportColumn[]> = {
  // Webitel v2 directory
  id: ['login', 'extension'],
  'access pin': ['voicemailPin'],
  role: ['roles'],
  'cc-agent-wrap-up-time': ['wrapUpTime'],
  'cc-agent-max-no-answer': ['maxNoAnswer'],
  'cc-agent-busy-delay-time': ['busyDelay'],
  'cc-agent-reject-delay-time': ['rejectDelay'],
  'cc-agent-no-answer-delay-time': ['noAnswerDelay'],
  // Hashes from another system's database
  password_hash: ['passwordHash'],
  'password hash': ['passwordHash'],
  // Kamailio's and OpenSIPS's subscriber table
  ha1: ['sipHa1Md5'],
  ha1b: ['sipHa1bMd5'],
  // Webitel v3 and common spreadsheets
  username: ['login'],
  'e-mail': ['email'],
  'first name': ['firstName'],
  'last name': ['lastName'],
  // Amazon Connect
  'email address': ['email'],
  'user login': ['login'],
  'security_profile_name_1|security_profile_name_2': ['roles'],
  'phone number': ['workPhone'],
  'acw timeout (seconds)': ['wrapUpTime'],
  // Excel in Polish
  imię: ['firstName'],
  nazwisko: ['lastName'],
  'numer wewnętrzny': ['extension'],
  stanowisko: ['position'],
  // Excel in Ukrainian
  "ім'я": ['firstName'],
  прізвище: ['lastName'],
  'внутрішній номер': ['extension'],
};

const canonical = new Map(importColumns.map((c) => [c.toLowerCase(), c]));

/**
 * What each header of a file means: the columns it fills, or none (reported, not imported).
 * `chosen` (header → column, or '' for none) wins over names and aliases: the wizard's mapping.
 */
export function mapHeaders(
  headers: string[],
  chosen: Record<string, ImportColumn | ''> = {},
): { columns: ImportColumn[][]; unknown: { index: number; header: string }[] } {
  const unknown: { index: number; header: string }[] = [];
  const choice = new Map(Object.entries(chosen).map(([header, column]) => [header.trim().toLowerCase(), column]));
  const columns = headers.map((raw, index) => {
    const header = raw.trim().toLowerCase();
    const known = canonical.get(header);
    const picked = choice.get(header);
    const mapped = picked !== undefined ? (picked ? [picked] : []) : known ? [known] : aliases[header];
    if (!mapped) unknown.push({ index, header: raw });
    return mapped ?? [];
  });
  return { columns, unknown };
}

/** The longest header name: the longest alias is far shorter, and a header is repeated in reports. */
export const MAX_HEADER = 200;

/** The most columns a file has: over four times the 45 the import reads; each is repeated in the report's mapping. */
export const MAX_COLUMNS = 200;

/**
 * Headers the import refuses: too long, or filling what another header fills already (the same
 * name in any case, or two names read as one column, by alias or by the administrator's mapping).
 * Either would otherwise let the last one silently win.
 */
export function headerProblems(headers: string[], columns: ImportColumn[][]): FieldProblem[] {
  if (headers.length > MAX_COLUMNS)
    return [{ path: 'headers', code: 'import.too_many_columns', message: `${headers.length} headers: a file has at most ${MAX_COLUMNS} columns` }];
  const problems: FieldProblem[] = [];
  const names = new Map<string, number>();
  const filled = new Map<ImportColumn, number>();
  headers.forEach((raw, index) => {
    const path = `headers/${index + 1}`;
    if (raw.length > MAX_HEADER)
      return void problems.push({ path, code: 'import.header_too_long', message: `Header ${index + 1} is over ${MAX_HEADER} characters` });
    const name = raw.trim().toLowerCase();
    const same = names.get(name);
    if (name && same !== undefined)
      return void problems.push({
        path,
        code: 'import.duplicate_header',
        message: `${JSON.stringify(excerpt(raw))} repeats header ${same + 1} (${JSON.stringify(excerpt(headers[same] ?? ''))})`,
      });
    names.set(name, index);
    for (const column of columns[index] ?? []) {
      const first = filled.get(column);
      if (first !== undefined)
        problems.push({
          path,
          code: 'import.duplicate_header',
          message: `${JSON.stringify(excerpt(raw))} is read as ${column}, like header ${first + 1} (${JSON.stringify(excerpt(headers[first] ?? ''))})`,
        });
      else filled.set(column, index);
    }
  });
  return problems;
}
