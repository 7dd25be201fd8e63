import { readFile } from 'node:fs/promises';
import type { MigrationEntry, MigrationSource, SourceItem } from '../entry.ts';
import { commaList, definedOnly, singleAddress, splitPersonName } from './entry-fields.ts';

type Item = { entry: MigrationEntry } | { problem: string };

/** FreeSWITCH's mod_callcenter agent parameters as Webitel v2 keeps them, onto our agent settings one to one. */
const AGENT_TIMERS = {
  'cc-agent-wrap-up-time': 'wrapUpTime',
  'cc-agent-max-no-answer': 'maxNoAnswer',
  'cc-agent-busy-delay-time': 'busyDelay',
  'cc-agent-reject-delay-time': 'rejectDelay',
  'cc-agent-no-answer-delay-time': 'noAnswerDelay',
} as const;

/**
 * Reads a Webitel export: either the JSON Webitel v3's users API answers (`{ "items": [...],
 * "next": … }`), or a Webitel v2 directory export (an array of directory users, or the v2
 * accounts API's `{ "data": { "<id>": {...} } }`), whose `id` is the user's number, login and
 * extension at once. The file is parsed whole, not streamed: 100,000 users are some 45 MB of JSON,
 * read in about four seconds and 200 MB of memory, and neither shape can be split without a
 * streaming parser for no gain at that size.
 */
export function readWebitelExport(path: string): MigrationSource {
  return usersOf(path);
}

async function* usersOf(path: string): AsyncGenerator<SourceItem> {
  const document = await parsed(path);
  if (Array.isArray(document)) {
    yield* itemsOf(document, (record, index) => directoryUser(record, (id) => `users[${index}]${id ? ` (${id})` : ''}`));
  } else if (isRecord(document) && Array.isArray(document.items)) {
    yield* itemsOf(document.items, (record, index) => apiUser(record, index));
    // An answer that says more pages follow is one page of the directory: moving in from it would silently leave people behind.
    if (document.next === true)
      yield { problem: { origin: 'next', message: 'The users API answer says more pages follow ("next": true): export every page into one "items" list' } };
  } else if (isRecord(document) && isRecord(document.data)) {
    yield* itemsOf(Object.entries(document.data), ([id, record]) => directoryUser(isRecord(record) ? { id, ...record } : record, () => `data.${id}`));
  } else {
    throw new Error(
      `The Webitel export ${path} is neither a users API answer ({ "items": [...] }) nor a directory export (an array of users, or { "data": {...} })`,
    );
  }
}

async function parsed(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`Cannot read the Webitel export ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    // JSON.parse quotes the text around the fault, which may be someone's password: say where, not what.
    throw new Error(`The Webitel export ${path} is not JSON`);
  }
}

function* itemsOf<T>(records: T[], read: (record: T, index: number) => (Item & { origin: string }) | undefined): Generator<SourceItem> {
  for (const [index, record] of records.entries()) {
    const item = read(record, index);
    if (!item) continue;
    yield 'entry' in item ? { entry: item.entry } : { problem: { origin: item.origin, message: item.problem } };
  }
}

/** A v3 user as the users API answers it. Users deleted in Webitel are left where they are. */
function apiUser(record: unknown, index: number): (Item & { origin: string }) | undefined {
  if (!isRecord(record)) return { origin: `items[${index}]`, problem: 'The user is not a JSON object' };
  const username = textOf(record.username);
  const origin = `items[${index}] (${username ?? `id ${textOf(record.id) ?? '?'}`})`;
  if (textOf(record.deleted_at)) return undefined;
  if (!username) return { origin, problem: 'The user has no username' };
  const entry: MigrationEntry = {
    origin,
    username,
    ...definedOnly({ extension: textOf(record.extension), email: textOf(record.email), ...splitPersonName(textOf(record.name)) }),
    // The v3 directory keeps no SIP secret on the user: its phones register with their devices' own credentials.
    sip: {},
  };
  return { origin, entry };
}

/** A v2 directory user: its keys as the directory, the accounts API or a spreadsheet spell them. */
function directoryUser(record: unknown, originOf: (id?: string) => string): (Item & { origin: string }) | undefined {
  if (!isRecord(record)) return { origin: originOf(), problem: 'The user is not a JSON object' };
  const user = flattened(record);
  const id = textOf(user.get('id')) ?? textOf(user.get('login'));
  const origin = originOf(id);
  if (!id) return { origin, problem: 'The user has no id (its number, which is its login and extension)' };
  const problems: string[] = [];
  const agent = agentOf(user, problems);
  const ha1Md5 = digestOf(user.get('a1-hash'), problems);
  if (problems.length > 0) return { origin, problem: problems.join('; ') };
  const name = textOf(user.get('name')) ?? nameBesides(textOf(user.get('effective_caller_id_name')), id);
  const entry: MigrationEntry = {
    origin,
    username: id,
    extension: listOf(user.get('webitel-extensions'))[0] ?? id,
    ...definedOnly({
      realm: textOf(user.get('domain')) ?? textOf(user.get('w_domain')),
      ...splitPersonName(name),
      email: textOf(user.get('email')) ?? singleAddress(textOf(user.get('vm-mailto'))),
    }),
    sip: definedOnly({ password: textOf(user.get('password')), ha1Md5 }),
    ...definedOnly({ voicemail: voicemailOf(user), callerId: callerIdOf(user, id), agent }),
  };
  return { origin, entry };
}

/**
 * The user's keys lower-cased, FreeSWITCH's `variable_` prefix dropped, and the `parameters` and
 * `variables` lists of the v2 accounts API (`"vm-password=1234"`) spread out beside them.
 */
function flattened(record: Record<string, unknown>): Map<string, unknown> {
  const user = new Map<string, unknown>();
  const put = (key: string, value: unknown) => {
    const name = key
      .trim()
      .toLowerCase()
      .replace(/^variable_/, '');
    if (!user.has(name)) user.set(name, value);
  };
  for (const [key, value] of Object.entries(record)) if (key !== 'parameters' && key !== 'variables') put(key, value);
  for (const list of [record.parameters, record.variables]) {
    if (!Array.isArray(list)) continue;
    for (const pair of list) {
      const [key, ...value] = String(pair).split('=');
      if (key && value.length > 0) put(key, value.join('='));
    }
  }
  return user;
}

function agentOf(user: Map<string, unknown>, problems: string[]): MigrationEntry['agent'] {
  const flag = booleanOf(user.get('cc-agent') ?? user.get('agent'));
  if (flag === false) return undefined;
  const agent: NonNullable<MigrationEntry['agent']> = {};
  for (const [key, setting] of Object.entries(AGENT_TIMERS) as [keyof typeof AGENT_TIMERS, (typeof AGENT_TIMERS)[keyof typeof AGENT_TIMERS]][]) {
    const value = user.get(key);
    if (value === undefined || value === null || value === '') continue;
    const seconds = typeof value === 'number' ? value : /^\s*\d+\s*$/.test(String(value)) ? Number(value) : NaN;
    if (Number.isInteger(seconds) && seconds >= 0) agent[setting] = seconds;
    else problems.push(`${key} ${JSON.stringify(value)} is not a whole number of seconds`);
  }
  return Object.keys(agent).length > 0 ? agent : undefined;
}

/** FreeSWITCH's `a1-hash`: the MD5 HA1 of user, realm and password, kept as it is so phones keep registering. */
function digestOf(value: unknown, problems: string[]): string | undefined {
  const digest = textOf(value);
  if (digest === undefined) return undefined;
  if (/^[0-9a-f]{32}$/i.test(digest)) return digest.toLowerCase();
  problems.push('a1-hash is not an MD5 digest (32 hexadecimal digits)');
  return undefined;
}

function voicemailOf(user: Map<string, unknown>): MigrationEntry['voicemail'] {
  const pin = textOf(user.get('vm-password')) ?? textOf(user.get('access pin'));
  const enabled = booleanOf(user.get('vm-enabled'));
  if (pin === undefined && enabled === undefined) return undefined;
  return { enabled: enabled ?? true, ...definedOnly({ pin }) };
}

function callerIdOf(user: Map<string, unknown>, id: string): MigrationEntry['callerId'] {
  const callerId = definedOnly({
    name: textOf(user.get('effective_caller_id_name')) ?? textOf(user.get('outbound_caller_id_name')),
    number: textOf(user.get('effective_caller_id_number')) ?? textOf(user.get('outbound_caller_id_number')),
  });
  // Webitel fills the caller ID name with the number itself until someone names the user: that is no name.
  if (callerId.name === id) delete callerId.name;
  return Object.keys(callerId).length > 0 ? callerId : undefined;
}

const nameBesides = (name: string | undefined, id: string) => (name === id ? undefined : name);
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function textOf(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  return text === '' ? undefined : text;
}

function booleanOf(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  const text = textOf(value)?.toLowerCase();
  if (text === 'true' || text === '1' || text === 'yes') return true;
  if (text === 'false' || text === '0' || text === 'no') return false;
  return undefined;
}

function listOf(value: unknown): string[] {
  return Array.isArray(value) ? value.flatMap((item) => listOf(item)) : (commaList(textOf(value)) ?? []);
}
