import { pinWeakness } from '../sip-accounts/rules.ts';
import type { ImportColumn } from '../import/columns.ts';
import type { ImportRecord } from '../import/records.ts';
import { sipDigests } from '../sip-accounts/digest.ts';
import type { MigrationEntry, SourceItem } from './entry.ts';

/** The columns a migrated entry fills, as the import reads them: the header of every migration. */
export const migrationColumns = [
  'login',
  'sipUsername',
  'extension',
  'firstName',
  'lastName',
  'email',
  'active',
  'connection',
  'sipHa1Md5',
  'sipHa1bMd5',
  'sipHa1Sha256',
  'sipHa1bSha256',
  'voicemail',
  'voicemailPin',
  'callerIdName',
  'callerIdNumber',
  'authAcl',
  'groups',
  'agent',
  'callTimeout',
  'wrapUpTime',
  'maxNoAnswer',
  'busyDelay',
  'rejectDelay',
  'noAnswerDelay',
] as const satisfies readonly ImportColumn[];

type Cells = Partial<Record<(typeof migrationColumns)[number], string>>;

/** The Switchboard domain an entry moves into: its name and SIP realm, which the entry's digests must be made with. */
export interface TargetDomain {
  name: string;
  realm: string | null;
}

export const realmOf = (domain: TargetDomain) => domain.realm ?? domain.name;

const text = (value: string | number | boolean | undefined) => (value === undefined ? '' : String(value));

/**
 * A source's item as a record of the import: an account becomes the row a CSV file would have
 * for it, checked by the same rules; an entry its source could not read, or whose digests were
 * made for another realm (they would never match a challenge of this domain), is a problem of
 * its own. A password in clear is digested here, with the domain's realm, and goes no further.
 */
export function recordOf(item: SourceItem, domain: TargetDomain): ImportRecord {
  if ('problem' in item) return { origin: item.problem.origin, problem: item.problem.message };
  const { entry } = item;
  const realm = realmOf(domain);
  // Compared exactly: the realm is part of what the digests were made of.
  if (entry.realm !== undefined && entry.realm !== realm)
    return {
      origin: entry.origin,
      problem: `Its realm ${JSON.stringify(entry.realm)} is not the domain's SIP realm ${JSON.stringify(realm)}: its digests would never match`,
    };
  const cells = cellsOf(entry, domain);
  return { origin: entry.origin, cells: migrationColumns.map((column) => cells[column] ?? '') };
}

function cellsOf(entry: MigrationEntry, domain: TargetDomain): Cells {
  const digests = entry.sip.password ? sipDigests(entry.username, realmOf(domain), domain.name, entry.sip.password) : undefined;
  const agent = entry.agent;
  const extension = entry.extension ?? (/^[0-9]{1,15}$/.test(entry.username) ? entry.username : '');
  const own = [extension, entry.username];
  return {
    login: entry.login ?? entry.username,
    sipUsername: entry.username,
    extension,
    firstName: entry.firstName,
    lastName: entry.lastName,
    email: entry.email,
    active: text(entry.active),
    // A PBX's phones register to a registrar, not through the console's browser phone.
    connection: 'pbx',
    sipHa1Md5: digests?.ha1_md5 ?? entry.sip.ha1Md5,
    sipHa1bMd5: digests?.ha1b_md5 ?? entry.sip.ha1bMd5,
    sipHa1Sha256: digests?.ha1_sha256 ?? entry.sip.ha1Sha256,
    sipHa1bSha256: digests?.ha1b_sha256 ?? entry.sip.ha1bSha256,
    voicemail: text(entry.voicemail?.enabled),
    // PBXs ship PINs equal to the extension; such a PIN is left unset (the box asks for a new
    // one) rather than failing the whole account.
    voicemailPin: entry.voicemail?.pin && !pinWeakness(entry.voicemail.pin, own) ? entry.voicemail.pin : undefined,
    callerIdName: entry.callerId?.name,
    // A PBX's caller ID is often the extension itself, which every call inside shows anyway; only
    // another number is a caller ID of its own.
    callerIdNumber: own.includes(entry.callerId?.number ?? '') ? undefined : entry.callerId?.number,
    authAcl: entry.authAcl?.join('|'),
    groups: entry.groups?.join('|'),
    agent: agent ? 'true' : '',
    callTimeout: text(agent?.callTimeout),
    wrapUpTime: text(agent?.wrapUpTime),
    maxNoAnswer: text(agent?.maxNoAnswer),
    busyDelay: text(agent?.busyDelay),
    rejectDelay: text(agent?.rejectDelay),
    noAnswerDelay: text(agent?.noAnswerDelay),
  };
}
