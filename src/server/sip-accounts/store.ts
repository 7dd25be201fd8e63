import type { Db, SipAccountsTable } from '../db/schema.ts';
import { settingsParser } from '../settings/rules.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import type { FieldProblem } from '../http/problem.ts';
import { secretStatusOf, type SipDigests } from './digest.ts';
import { effectiveSip, freeInRange, type StoredSip } from './rules.ts';
import { defaultSipSettings, sipSettings, type SipSettings, type SipView } from './schema.ts';
import type { Lookups } from '../tenancy/lookups.ts';

const parseSipSettings = settingsParser(sipSettings, defaultSipSettings);

/** The domain's SIP settings, from its record. */
export const sipSettingsOf = (domain: Pick<DomainRecord, 'sip_settings'>): SipSettings => parseSipSettings(domain.sip_settings);

const WINDOW = 4096n;

/** The lowest free numbers of the range, looking through the taken ones a window at a time. */
export async function lowestFreeExtensions(db: Db, domainId: string, range: { from: string; to: string }, count: number): Promise<string[]> {
  const width = range.from.length;
  const free: string[] = [];
  for (let start = BigInt(range.from); free.length < count && start <= BigInt(range.to); start += WINDOW) {
    const end = start + WINDOW - 1n < BigInt(range.to) ? start + WINDOW - 1n : BigInt(range.to);
    const rows = await db
      .selectFrom('extensions')
      .select('value')
      .where('domain_id', '=', domainId)
      .where('width', '=', width)
      .where('value', '>=', start.toString())
      .where('value', '<=', end.toString())
      .orderBy('value')
      .execute();
    const window = { from: start.toString().padStart(width, '0'), to: end.toString().padStart(width, '0') };
    free.push(
      ...freeInRange(
        window,
        rows.map((r) => BigInt(r.value)),
        count - free.length,
      ),
    );
  }
  return free;
}

/**
 * The inventory ids of the presentation pools: call numbers must be voice numbers, SMS senders
 * SMS-capable numbers or sender IDs of the domain. Every value that is not is a problem.
 */
export async function resolvePresentation(lookups: Lookups, callerId: SipView['callerId']) {
  const rows = await lookups.numbers([...new Set([...callerId.callNumbers, ...callerId.smsSenders])]);
  const byValue = new Map(rows.map((r) => [r.value, r]));
  const problems: FieldProblem[] = [];
  const pool = (purpose: 'call' | 'sms', list: string[], field: string, capability: 'voice' | 'sms') =>
    list.flatMap((value, index) => {
      const row = byValue.get(value);
      const path = `sip/callerId/${field}/${index}`;
      if (!row) problems.push({ path, code: 'number.unknown', message: `${value} is not in the domain's number inventory` });
      else if (row[capability] !== 1)
        problems.push({
          path,
          code: `number.not_${capability}`,
          message: `${value} is not ${capability === 'voice' ? 'voice' : 'SMS'}-capable in the inventory`,
        });
      else return [{ number_id: row.id, purpose, position: index }];
      return [];
    });
  const entries = [...pool('call', callerId.callNumbers, 'callNumbers', 'voice'), ...pool('sms', callerId.smsSenders, 'smsSenders', 'sms')];
  return { entries, problems };
}

export interface SipWrite {
  account: StoredSip & { username: string };
  presentation: { number_id: string; purpose: string; position: number }[];
  /** New digests (with the realm they were made for), or undefined to keep the stored ones. */
  digests?: SipDigests & { realm: string };
  /** A new PIN hash, null to remove it, undefined to keep it. */
  pinHash?: string | null;
}

/** The sip_accounts columns of an account, as written on every change. */
export function sipAccountColumns(write: SipWrite, now: string) {
  const { account } = write;
  return {
    username: account.username,
    username_key: account.username.toLowerCase(),
    extension: account.extension,
    virtual_extension: account.virtualExtension,
    assignment: account.assignment,
    connection: account.connection,
    custom_uri: account.customUri,
    auth_acl: JSON.stringify(account.authAcl),
    stun: account.stun === null ? null : account.stun ? 1 : 0,
    voicemail_enabled: account.voicemail.enabled ? 1 : 0,
    caller_id_name: account.callerId.name,
    caller_id_number: account.callerId.number,
    ...(write.pinHash === undefined ? {} : { voicemail_pin_hash: write.pinHash }),
    ...(write.digests ?? {}),
    updated_at: now,
  };
}

/** The extension rows an account holds: its own and its virtual one. */
export const extensionRows = (domainId: string, userId: string, account: SipWrite['account'], now: string) =>
  [
    ...(account.extension ? [{ number: account.extension, kind: 'user' }] : []),
    ...(account.virtualExtension ? [{ number: account.virtualExtension, kind: 'virtual' }] : []),
  ].map((e) => ({
    domain_id: domainId,
    number: e.number,
    width: e.number.length,
    value: e.number,
    kind: e.kind,
    user_id: userId,
    description: null,
    created_at: now,
  }));

/** Writes the user's account, its extensions and presentation pools, replacing what was there. */
export async function writeSipAccount(db: Db, domainId: string, userId: string, write: SipWrite): Promise<void> {
  const { account } = write;
  const now = new Date().toISOString();
  const columns = sipAccountColumns(write, now);
  const updated = await db.updateTable('sip_accounts').set(columns).where('user_id', '=', userId).executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) {
    if (!write.digests) throw new Error('a new SIP account needs its digests');
    await db
      .insertInto('sip_accounts')
      .values({ user_id: userId, domain_id: domainId, voicemail_pin_hash: null, ...columns, ...write.digests, created_at: now })
      .execute();
  }
  await db.deleteFrom('extensions').where('user_id', '=', userId).execute();
  const own = extensionRows(domainId, userId, account, now);
  if (own.length) await db.insertInto('extensions').values(own).execute();
  await db.deleteFrom('presentation_numbers').where('user_id', '=', userId).execute();
  if (write.presentation.length)
    await db
      .insertInto('presentation_numbers')
      .values(write.presentation.map((p) => ({ ...p, user_id: userId })))
      .execute();
  if (account.assignment === 'static') await signOutOfDesk(db, userId, 'system');
}

export async function removeSipAccount(db: Db, userId: string): Promise<void> {
  await signOutOfDesk(db, userId, 'system');
  await db.deleteFrom('presentation_numbers').where('user_id', '=', userId).execute();
  await db.deleteFrom('extensions').where('user_id', '=', userId).execute();
  await db.deleteFrom('sip_accounts').where('user_id', '=', userId).execute();
}

/** Ends the user's current hot-desk sign-in, if any; answers the desk it ended. */
export async function signOutOfDesk(db: Db, userId: string, by: string): Promise<string | undefined> {
  const seat = await db
    .selectFrom('desk_sign_ins')
    .select(['id', 'extension'])
    .where('user_id', '=', userId)
    .where('signed_out_at', 'is', null)
    .executeTakeFirst();
  if (!seat) return undefined;
  await db.updateTable('desk_sign_ins').set({ signed_out_at: new Date().toISOString(), signed_out_by: by }).where('id', '=', seat.id).execute();
  return seat.extension;
}

/** A user's SIP account columns as read with the user (all null for a user without one). */
export type SipAccountRow = Nullable<
  Pick<
    SipAccountsTable,
    | 'username'
    | 'extension'
    | 'virtual_extension'
    | 'assignment'
    | 'connection'
    | 'custom_uri'
    | 'auth_acl'
    | 'stun'
    | 'voicemail_enabled'
    | 'caller_id_name'
    | 'caller_id_number'
    | 'realm'
  >
> & {
  pin_set: number;
  /** 0 for an account brought in with MD5 digests only. */
  sha256_set: number | null;
  desk: string | null;
};
type Nullable<T> = { [K in keyof T]: T[K] | null };

/** A SIP account as answered, from its row and its pools; null for a user without one. */
export function sipViewOf(row: SipAccountRow, pools: { callNumbers: string[]; smsSenders: string[] }, domain: DomainRecord): SipView | null {
  if (row.username === null) return null;
  const stored: StoredSip & { username: string } = {
    extension: row.extension,
    username: row.username,
    assignment: row.assignment === 'dynamic' ? 'dynamic' : 'static',
    connection: row.connection as StoredSip['connection'],
    customUri: row.custom_uri,
    authAcl: JSON.parse(row.auth_acl ?? '[]') as string[],
    stun: row.stun === null ? null : row.stun === 1,
    voicemail: { enabled: row.voicemail_enabled === 1, pinSet: Number(row.pin_set) === 1 },
    callerId: { name: row.caller_id_name, number: row.caller_id_number, ...pools },
    virtualExtension: row.virtual_extension,
  };
  const secretStatus = secretStatusOf({ hasSha256: Number(row.sha256_set) !== 0, realmMatches: row.realm === (domain.realm ?? domain.name) });
  return effectiveSip(stored, sipSettingsOf(domain), { secretStatus, desk: row.desk });
}

/** Who has a number of the inventory in a presentation pool. */
export function usersPresenting(db: Db, numberId: string, purpose?: 'call' | 'sms') {
  let query = db
    .selectFrom('presentation_numbers as p')
    .innerJoin('users as u', 'u.id', 'p.user_id')
    .select(['u.id', 'u.login', 'p.purpose'])
    .where('p.number_id', '=', numberId)
    .orderBy('u.login_key');
  if (purpose) query = query.where('p.purpose', '=', purpose);
  return query.execute();
}
