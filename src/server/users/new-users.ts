import type { Insertable } from 'kysely';
import { insertSetWise } from '../db/set-wise.ts';
import { recordAudit, type AuditActor } from '../audit/store.ts';
import { diff, type Changes } from '../audit/rules.ts';
import { agentColumns } from '../agents/store.ts';
import type { Database, Db } from '../db/schema.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import { extensionRows, sipAccountColumns } from '../sip-accounts/store.ts';
import type { PreparedUser } from './commands.ts';
import type { Lookups } from '../tenancy/lookups.ts';
import { columnsOf } from './store.ts';
import { externalIdRows } from '../external-ids/store.ts';

type Rows = { [T in keyof Database]?: Insertable<Database[T]>[] };

/** A user being written: its new id, and license ids it takes a seat of. */
export interface NewUser {
  id: string;
  user: PreparedUser;
  licenseIds?: string[];
  /** The directory source (LDAP, Active Directory) it comes from, and its entry there. */
  directory?: { sourceId: string; dn: string };
}

export interface WriteOptions {
  /** Where extensions are picked from for users given none (the import's chunk lookups). */
  lookups?: Lookups;
  /** What each user's audit entry records; by default every field it was created with. */
  auditChanges?: (user: PreparedUser) => Changes;
}

/**
 * Writes new users set-wise in the caller's transaction: each table gets one statement per few
 * thousand rows instead of one per user, which is what makes imports and ranges fast. Seats are
 * counted by the caller.
 */
export async function writeNewUsers(trx: Db, requester: AuditActor, domain: DomainRecord, users: NewUser[], options: WriteOptions = {}): Promise<void> {
  for (const { user } of users) {
    if (!user.telephony.allocate) continue;
    await user.telephony.allocate(trx, options.lookups);
    user.state.sip = user.telephony.state.sip;
  }
  const now = new Date().toISOString();
  const rows: Rows = {};
  const add: Add = (table, ...values) => void ((rows[table] as unknown[] | undefined) ?? ((rows[table] as unknown[]) = [])).push(...values);
  for (const entry of users) rowsOf(domain.id, entry, now, add);
  for (const [table, values] of Object.entries(rows) as [keyof Database, Record<string, unknown>[]][]) await insertSetWise(trx, table, values);
  const changesOf = options.auditChanges ?? createdChanges;
  // One statement a table for all the entries, however many (recordAudit writes them set-wise).
  await recordAudit(
    trx,
    ...users.map(({ id, user }) => ({
      domainId: domain.id,
      actor: requester,
      action: 'user.created',
      target: { type: 'user', id, name: user.state.login },
      changes: changesOf(user),
      version: 1,
    })),
  );
}

/** What a new user's audit entry records by default: every field it was created with, secrets masked. */
export const createdChanges = (user: PreparedUser): Changes => diff(null, user.state, [...user.secretsSet, ...user.telephony.secretsChanged]);

type Add = <T extends keyof Database>(table: T, ...values: Insertable<Database[T]>[]) => void;

function rowsOf(domainId: string, { id, user, licenseIds = [], directory }: NewUser, now: string, add: Add) {
  const { state, links, secrets, telephony } = user;
  add('users', {
    id,
    domain_id: domainId,
    ...columnsOf(state),
    password_hash: secrets.passwordHash ?? null,
    caldav_token: secrets.calDavToken ?? null,
    version: 1,
    created_at: now,
    updated_at: now,
    deleted_at: null,
    directory_source_id: directory?.sourceId ?? null,
    directory_dn: directory?.dn ?? null,
  });
  add('user_roles', ...links.roleIds.map((role_id) => ({ user_id: id, role_id })));
  add('user_groups', ...links.groupIds.map((group_id) => ({ user_id: id, group_id })));
  add('user_tags', ...[...new Map(state.tags.map((t) => [t.toLowerCase(), t])).values()].map((tag) => ({ user_id: id, domain_id: domainId, tag })));
  add('user_external_ids', ...externalIdRows(domainId, id, state.externalIds));
  if (secrets.passwordHash) add('password_history', { user_id: id, password_hash: secrets.passwordHash, created_at: now });
  const sip = telephony.sip;
  if (sip) {
    if (!sip.digests) throw new Error('a new SIP account needs its digests');
    add('sip_accounts', { user_id: id, domain_id: domainId, voicemail_pin_hash: null, ...sipAccountColumns(sip, now), ...sip.digests, created_at: now });
    add('extensions', ...extensionRows(domainId, id, sip.account, now));
    add('presentation_numbers', ...sip.presentation.map((p) => ({ ...p, user_id: id })));
  }
  const agent = telephony.agent;
  if (agent) {
    add('agents', { user_id: id, domain_id: domainId, ...agentColumns(agent.stored) });
    add('agent_skills', ...agent.skills.map((s) => ({ user_id: id, skill_id: s.skill_id, level: s.level })));
  }
  add('license_assignments', ...licenseIds.map((license_id) => ({ license_id, user_id: id, assigned_at: now })));
}
