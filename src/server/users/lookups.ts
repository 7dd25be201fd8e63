import type { Db } from '../db/schema.ts';
import { lockDomain } from '../tenancy/domain-record.ts';
import { lowestFreeExtensions } from '../sip-accounts/store.ts';

export interface CatalogRow {
  id: string;
  name: string;
  name_key: string;
}

export interface NumberRow {
  id: string;
  value: string;
  voice: number;
  sms: number;
}

export interface LicenseProduct {
  id: string;
  name: string;
  capability: string | null;
  expires_at: string | null;
}

export type CatalogTable = 'roles' | 'groups' | 'tags' | 'skills';

/**
 * What checking a user needs to know of the rest of its domain. Read straight from the database
 * for one user at a time; the CSV import answers the same questions from what it fetched for a
 * whole chunk of rows, so the same rules check both without a query per row.
 */
export interface Lookups {
  catalog(table: CatalogTable, keys: string[]): Promise<CatalogRow[]>;
  /** The permission lists of these roles and of the roles of these groups. */
  permissionsOf(roleIds: string[], groupIds: string[]): Promise<string[][]>;
  /** Whether another user (not exceptId) has this login or e-mail, compared case-insensitively. */
  userHolding(column: 'login_key' | 'email_key', key: string, exceptId: string | null): Promise<boolean>;
  numbers(values: string[]): Promise<NumberRow[]>;
  /** Extensions among `numbers` held by someone or something other than the user. */
  extensionsHeld(numbers: string[], userId: string | null): Promise<{ number: string; kind: string }[]>;
  usernameHeld(username: string, userId: string | null): Promise<boolean>;
  hasFreeExtension(range: { from: string; to: string }): Promise<boolean>;
  /** The lowest free extension, taken inside the writing transaction with the domain locked. */
  takeFreeExtension(range: { from: string; to: string }): Promise<string | undefined>;
  licenseProducts(capabilities: string[]): Promise<LicenseProduct[]>;
  licensesHeld(userId: string): Promise<string[]>;
}

/** Lookups that ask the database each time. */
export function lookupsOf(db: Db, domainId: string): Lookups {
  return {
    catalog: async (table, keys) =>
      keys.length ? db.selectFrom(table).select(['id', 'name', 'name_key']).where('domain_id', '=', domainId).where('name_key', 'in', [...new Set(keys)]).execute() : [],
    async permissionsOf(roleIds, groupIds) {
      if (roleIds.length + groupIds.length === 0) return [];
      const rows = await db
        .selectFrom('roles')
        .select('permissions')
        .where((eb) =>
          eb.or([
            eb('id', 'in', roleIds.length ? roleIds : ['']),
            eb('id', 'in', eb.selectFrom('group_roles').select('role_id').where('group_id', 'in', groupIds.length ? groupIds : [''])),
          ]),
        )
        .execute();
      return rows.map((r) => JSON.parse(r.permissions) as string[]);
    },
    async userHolding(column, key, exceptId) {
      let query = db.selectFrom('users').select('id').where('domain_id', '=', domainId).where(column, '=', key);
      if (exceptId) query = query.where('id', '!=', exceptId);
      return (await query.executeTakeFirst()) !== undefined;
    },
    numbers: async (values) => (values.length ? db.selectFrom('numbers').select(['id', 'value', 'voice', 'sms']).where('domain_id', '=', domainId).where('value', 'in', values).execute() : []),
    async extensionsHeld(numbers, userId) {
      if (numbers.length === 0) return [];
      let query = db.selectFrom('extensions').select(['number', 'kind']).where('domain_id', '=', domainId).where('number', 'in', numbers);
      if (userId) query = query.where((eb) => eb.or([eb('user_id', 'is', null), eb('user_id', '!=', userId)]));
      return query.execute();
    },
    async usernameHeld(username, userId) {
      let query = db.selectFrom('sip_accounts').select('user_id').where('domain_id', '=', domainId).where('username_key', '=', username.toLowerCase());
      if (userId) query = query.where('user_id', '!=', userId);
      return (await query.executeTakeFirst()) !== undefined;
    },
    hasFreeExtension: async (range) => (await lowestFreeExtensions(db, domainId, range, 1)).length > 0,
    async takeFreeExtension(range) {
      await lockDomain(db, domainId);
      return (await lowestFreeExtensions(db, domainId, range, 1))[0];
    },
    licenseProducts: async (capabilities) =>
      capabilities.length ? db.selectFrom('licenses').select(['id', 'name', 'capability', 'expires_at']).where('domain_id', '=', domainId).where('capability', 'in', capabilities).execute() : [],
    licensesHeld: async (userId) => (await db.selectFrom('license_assignments').select('license_id').where('user_id', '=', userId).execute()).map((r) => r.license_id),
  };
}
