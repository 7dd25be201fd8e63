import { z } from 'zod';
import { hashScheme } from '../passwords/hashing.ts';
import { userCreate, userUpdate } from '../users/schema.ts';
import { excerpt } from './excerpt.ts';
import { digestColumns, secretColumns, type ImportColumn } from './columns.ts';
import { externalIdsOfCell } from '../external-ids/rules.ts';
import type { SipDigests } from '../sip-accounts/digest.ts';

/**
 * A problem of one cell, as the error report lists it: `code` says what it is for programs and
 * for the console, which words it in its language; `params` fill its words in (never a cell).
 */
export interface CellProblem {
  row: number;
  column: string;
  value: string;
  code: string;
  message: string;
  params?: Record<string, unknown>;
  /** Where the row came from, when its source says (a PBX's account: `subscriber 1001@pbx.example.com`). */
  origin?: string;
}

/** A value of the same type as a cell read, without the cell: what a schema's "received" names. */
const sampleOf = (value: unknown) =>
  value === null
    ? null
    : Array.isArray(value)
      ? []
      : typeof value === 'object'
        ? {}
        : typeof value === 'string'
          ? ''
          : typeof value === 'number'
            ? 0
            : typeof value === 'boolean'
              ? false
              : undefined;

/**
 * A schema's problem as a code and the parameters its words are made of (the limit, the format,
 * the type expected and received), when its message is the schema library's own, so the console
 * can say it in its language; a message the schema spells out itself is kept as it is.
 */
function schemaProblem(issue: z.core.$ZodIssue, draft: unknown): { code: string; params?: Record<string, unknown> } {
  const { path, message, input: _input, ...rest } = issue as z.core.$ZodIssue & { input?: unknown };
  const at = path.reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined), draft);
  const params: Record<string, unknown> = { ...rest, input: sampleOf(at) };
  const own = z.locales.en().localeError(params as never);
  const words = typeof own === 'string' ? own : own?.message;
  return words === message ? { code: `input.${issue.code}`, params } : { code: `input.${issue.code}` };
}

const list = (cell: string) =>
  cell
    .split('|')
    .map((v) => v.trim())
    .filter(Boolean);
const yes = (cell: string) => /^(true|yes|1|tak|так|y)$/i.test(cell.trim());
const flag = (cell: string) => (/^(true|false|yes|no|1|0|tak|nie|так|ні|y|n)$/i.test(cell.trim()) ? yes(cell) : cell);
const number = (cell: string) => (/^-?\d+(\.\d+)?$/.test(cell.trim()) ? Number(cell) : cell);
/** Export wrote `'` before cells a spreadsheet would run; it comes off again here. */
const unneutralised = (cell: string) => (/^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell);

/** A row being built cell by cell into the user's shape; the user schema checks it after. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any shape until the schema has judged it
type RowDraft = Record<string, any>;
type Setter = (user: RowDraft, cell: string) => void;
const field =
  (key: string, convert: (cell: string) => unknown = (c) => c): Setter =>
  (user, cell) =>
    void (user[key] = convert(cell));
const within =
  (part: 'sip' | 'agent', key: string, convert: (cell: string) => unknown = (c) => c): Setter =>
  (user, cell) =>
    void ((user[part] ??= {})[key] = convert(cell));
const callerId =
  (key: string, convert: (cell: string) => unknown = (c) => c): Setter =>
  (user, cell) =>
    void (((user.sip ??= {}).callerId ??= {})[key] = convert(cell));

/** A digest is carried beside the user (the API takes none); it makes the row's user a SIP account. */
const digest =
  (column: keyof typeof digestColumns): Setter =>
  (user, cell) => {
    (user.digests ??= {})[column] = cell;
    user.sip ??= {};
  };

/** Where each column's cell goes in a user as the API takes it. */
const setters: Record<ImportColumn, Setter> = {
  login: field('login'),
  email: field('email'),
  firstName: field('firstName'),
  lastName: field('lastName'),
  name: (user, cell) => {
    const [first, ...rest] = cell.trim().split(/\s+/);
    user.firstName ??= first ?? '';
    user.lastName ??= rest.join(' ');
  },
  password: field('password'),
  active: field('active', flag),
  roles: field('roles', list),
  groups: field('groups', list),
  tags: field('tags', list),
  licenses: field('licenses', list),
  passwordHash: field('passwordHash'),
  sipHa1Md5: digest('sipHa1Md5'),
  sipHa1bMd5: digest('sipHa1bMd5'),
  sipHa1Sha256: digest('sipHa1Sha256'),
  sipHa1bSha256: digest('sipHa1bSha256'),
  position: field('position'),
  workPhone: field('workPhone'),
  timezone: field('timezone'),
  language: field('language'),
  description: field('description'),
  externalIds: field('externalIds', externalIdsOfCell),
  domainAdmin: field('domainAdmin', flag),
  extension: within('sip', 'extension'),
  sipUsername: within('sip', 'username'),
  sipSecret: within('sip', 'secret'),
  assignment: within('sip', 'assignment'),
  connection: within('sip', 'connection'),
  customUri: within('sip', 'customUri'),
  authAcl: within('sip', 'authAcl', list),
  stun: within('sip', 'stun', flag),
  voicemail: (user, cell) => void (((user.sip ??= {}).voicemail ??= {}).enabled = flag(cell)),
  voicemailPin: (user, cell) => void (((user.sip ??= {}).voicemail ??= {}).pin = cell),
  callerIdName: callerId('name'),
  callerIdNumber: callerId('number'),
  callNumbers: callerId('callNumbers', list),
  smsSenders: callerId('smsSenders', list),
  virtualExtension: within('sip', 'virtualExtension'),
  agent: within('agent', 'enabled', flag),
  skills: within('agent', 'skills', (cell) =>
    list(cell).map((entry) => {
      const [skill, level] = entry.split(':');
      return { skill: skill?.trim() ?? '', level: level === undefined ? 50 : number(level) };
    }),
  ),
  allTags: within('agent', 'allTags', flag),
  allSkills: within('agent', 'allSkills', flag),
  callTimeout: within('agent', 'callTimeout', number),
  wrapUpTime: within('agent', 'wrapUpTime', number),
  maxNoAnswer: within('agent', 'maxNoAnswer', number),
  busyDelay: within('agent', 'busyDelay', number),
  rejectDelay: within('agent', 'rejectDelay', number),
  noAnswerDelay: within('agent', 'noAnswerDelay', number),
  autoDial: within('agent', 'autoDial'),
  assignLeads: within('agent', 'assignLeads', flag),
};

/** The column a field of the user came from, for the error report: `sip/extension` → `extension`. */
const columnOf = (path: PropertyKey[], filled: Map<string, string>) => {
  for (let length = path.length; length > 0; length -= 1) {
    const column = filled.get(path.slice(0, length).join('/'));
    if (column) return column;
  }
  return path.map(String).join('/') || 'row';
};

const fieldPath: Partial<Record<ImportColumn, string>> = {
  extension: 'sip/extension',
  sipUsername: 'sip/username',
  sipSecret: 'sip/secret',
  assignment: 'sip/assignment',
  connection: 'sip/connection',
  customUri: 'sip/customUri',
  authAcl: 'sip/authAcl',
  stun: 'sip/stun',
  voicemail: 'sip/voicemail/enabled',
  voicemailPin: 'sip/voicemail/pin',
  callerIdName: 'sip/callerId/name',
  callerIdNumber: 'sip/callerId/number',
  callNumbers: 'sip/callerId/callNumbers',
  smsSenders: 'sip/callerId/smsSenders',
  virtualExtension: 'sip/virtualExtension',
  agent: 'agent/enabled',
  skills: 'agent/skills',
  allTags: 'agent/allTags',
  allSkills: 'agent/allSkills',
  callTimeout: 'agent/callTimeout',
  wrapUpTime: 'agent/wrapUpTime',
  maxNoAnswer: 'agent/maxNoAnswer',
  busyDelay: 'agent/busyDelay',
  rejectDelay: 'agent/rejectDelay',
  noAnswerDelay: 'agent/noAnswerDelay',
  autoDial: 'agent/autoDial',
  assignLeads: 'agent/assignLeads',
  name: 'firstName',
};

/** The longest cell, in characters: a list of 200 group names fits. */
export const MAX_CELL = 16 * 1024;

/**
 * What keeps a row from being read at all: a cell count other than the header's (its cells do not
 * line up with the headers, so a secret could sit under any of them, and none is quoted), or a
 * cell over the limit.
 */
export function shapeProblems(row: number, headers: string[], cells: string[]): CellProblem[] {
  if (cells.length !== headers.length) {
    return [
      {
        row,
        column: 'row',
        value: '',
        code: 'import.cell_count',
        message: `${cells.length} cells where the header has ${headers.length}: a cell holding the delimiter must be quoted`,
        params: { cells: cells.length, headers: headers.length },
      },
    ];
  }
  return cells.flatMap((cell, index) =>
    cell.length > MAX_CELL
      ? [
          {
            row,
            column: headers[index] as string,
            value: '',
            code: 'import.cell_too_long',
            message: `Over ${MAX_CELL} characters`,
            params: { maximum: MAX_CELL },
          },
        ]
      : [],
  );
}

/**
 * One row of the file as a user the API would take, checked by the same schema; every problem is
 * given with the row, the column it came from and the cell's value. Empty cells are not set.
 */
export function rowToUser(row: number, headers: string[], columns: ImportColumn[][], cells: string[], defaults: { roles: string[] }) {
  const user: RowDraft = {};
  const filled = new Map<string, string>();
  const values = new Map<string, string>();
  columns.forEach((targets, index) => {
    const cell = unneutralised((cells[index] ?? '').trim());
    if (cell === '') return;
    for (const column of targets) {
      const set = setters[column];
      if (!set) throw new Error(`no setter for the column ${column}`);
      set(user, cell);
      filled.set(fieldPath[column] ?? column, headers[index] as string);
      values.set(headers[index] as string, secretColumns.has(column) ? '' : excerpt(cell));
    }
  });
  // Carried beside the user: the user schema takes neither.
  const {
    passwordHash,
    licenses = [],
    digests,
    ...fields
  } = user as RowDraft & {
    passwordHash?: string;
    licenses?: string[];
    digests?: Partial<Record<keyof typeof digestColumns, string>>;
  };
  const report = (issues: { path: PropertyKey[]; code: string; message: string; params?: Record<string, unknown> }[]): CellProblem[] =>
    issues.map((issue) => {
      const column = columnOf(issue.path, filled);
      return { row, column, value: values.get(column) ?? '', code: issue.code, message: issue.message, ...(issue.params ? { params: issue.params } : {}) };
    });
  const schemaReport = (issues: z.core.$ZodIssue[], draft: unknown) =>
    report(issues.map((issue) => ({ path: issue.path, message: issue.message, ...schemaProblem(issue, draft) })));
  /** The same cells as a change of an existing user: only what the file has is touched. */
  const asChange = () => {
    const { login: _login, ...changed } = fields;
    const parsed = userUpdate.safeParse(changed);
    return parsed.success ? { change: parsed.data, problems: [] as CellProblem[] } : { change: null, problems: schemaReport(parsed.error.issues, changed) };
  };
  /** Problems the directory's rules found (paths like `sip/extension`), put on the file's columns. */
  const located = (problems: { path: string; code: string; message: string; params?: Record<string, unknown> }[]) =>
    report(problems.map((p) => ({ ...p, path: p.path.split('/') })));
  const carried = digests && carriedDigests(digests, { secret: fields.sip?.secret !== undefined, username: fields.sip?.username !== undefined });
  const extra = { passwordHash, licenses, located, asChange, sipDigests: carried && 'digests' in carried ? carried.digests : undefined };
  const hashProblems =
    passwordHash === undefined
      ? []
      : passwordHash && fields.password
        ? located([{ path: 'passwordHash', code: 'import.password_and_hash', message: 'Give a password or a password hash, not both' }])
        : hashScheme(passwordHash)
          ? []
          : located([{ path: 'passwordHash', code: 'import.unknown_hash', message: 'Not an argon2, bcrypt or PBKDF2 hash' }]);
  const ownProblems = [...hashProblems, ...(carried && 'problems' in carried ? located(carried.problems) : [])];
  const input = { ...fields, roles: fields.roles ?? defaults.roles };
  const parsed = userCreate.safeParse(input);
  if (parsed.success && ownProblems.length === 0) return { user: parsed.data, salvaged: null, problems: [] as CellProblem[], ...extra };
  const problems = [...(parsed.success ? [] : schemaReport(parsed.error.issues, input)), ...ownProblems];
  return { user: null, salvaged: parsed.success ? parsed.data : salvage(input, parsed.error.issues, row), problems, ...extra };
}

const hexOf = { sipHa1Md5: 32, sipHa1bMd5: 32, sipHa1Sha256: 64, sipHa1bSha256: 64 } as const;

/**
 * A row's digests as stored (lower-case hex; empty where the other system kept none), or what is
 * wrong with them. The MD5 HA1 is the one every registrar checks: without it the rest is no account.
 * They hold the SIP username: it must be the row's own, not one defaulted.
 */
export function carriedDigests(
  given: Partial<Record<keyof typeof digestColumns, string>>,
  beside: { secret: boolean; username: boolean },
): { digests: SipDigests } | { problems: { path: string; code: string; message: string }[] } {
  const problems: { path: string; code: string; message: string }[] = (Object.keys(hexOf) as (keyof typeof hexOf)[]).flatMap((column) => {
    const value = given[column];
    if (value === undefined || new RegExp(`^[0-9a-fA-F]{${hexOf[column]}}$`).test(value)) return [];
    return [{ path: column, code: 'import.digest_invalid', message: `Not a digest: ${hexOf[column]} hexadecimal digits` }];
  });
  if (given.sipHa1Md5 === undefined)
    problems.push({ path: 'sipHa1Md5', code: 'import.digest_md5_missing', message: "The MD5 HA1 is needed with the account's other digests" });
  if (beside.secret) problems.push({ path: 'sip/secret', code: 'import.secret_and_digests', message: 'Give a SIP secret or its digests, not both' });
  // A defaulted username (the extension) would not be the one the digests were made with.
  if (!beside.username)
    problems.push({ path: 'sipHa1Md5', code: 'import.digests_without_username', message: 'Digests need the SIP username they were made with (sipUsername)' });
  if (problems.length) return { problems };
  const stored = (column: keyof typeof digestColumns) => (given[column] ?? '').toLowerCase();
  return {
    digests: { ha1_md5: stored('sipHa1Md5'), ha1b_md5: stored('sipHa1bMd5'), ha1_sha256: stored('sipHa1Sha256'), ha1b_sha256: stored('sipHa1bSha256') },
  };
}

/** Stands for a login the schema refused while the rest of the row is checked; what is found at the login is not told for it. */
const unreadableLogin = (row: number) => `row-${row}--unreadable`;

/**
 * The row without the cells the schema refused, so the directory's checks (a taken extension or
 * e-mail, an unknown role or group) run on the rest and the row's problems are told all at once.
 * A refused list goes whole; a refused login is stood for. Null when the rest cannot be read.
 */
function salvage(input: RowDraft, issues: z.core.$ZodIssue[], row: number) {
  let draft: RowDraft = structuredClone(input);
  for (let round = 0; round < 3; round += 1) {
    for (const { path } of issues) {
      // The first index ends the path: a list with one bad item goes whole.
      const end = path.findIndex((key) => typeof key === 'number');
      const keys = end < 0 ? path : path.slice(0, end);
      if (keys.length === 0) return null;
      const parent = keys.slice(0, -1).reduce<RowDraft | undefined>((value, key) => value?.[key as string], draft);
      if (parent) delete parent[keys.at(-1) as string];
    }
    draft.login ??= unreadableLogin(row);
    draft.roles ??= input.roles;
    if (!Array.isArray(draft.roles) || draft.roles.length === 0) draft.roles = ['agent'];
    const parsed = userCreate.safeParse(draft);
    if (parsed.success) return parsed.data;
    issues = parsed.error.issues;
    draft = structuredClone(draft);
  }
  return null;
}
