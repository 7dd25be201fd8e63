import type { Db } from '../db/schema.ts';
import { catalogRows, type Lookups } from '../tenancy/lookups.ts';
import { licenseLookupsOf } from '../licenses/store.ts';
import { lockDomain } from '../tenancy/domain-record.ts';
import { lowestFreeExtensions } from '../sip-accounts/store.ts';
import { externalIdsHeld } from '../external-ids/store.ts';

/** Lookups that ask the database each time. */
export function lookupsOf(db: Db, domainId: string): Lookups {
  return {
    catalog: (table, keys) => catalogRows(db, domainId, table, keys),
    async permissionsOf(roleIds, groupIds) {
      if (roleIds.length + groupIds.length === 0) return [];
      const rows = await db
        .selectFrom('roles')
        .select('permissions')
        .where((eb) =>
          eb.or([
            eb('id', 'in', roleIds.length ? roleIds : ['']),
            eb(
              'id',
              'in',
              eb
                .selectFrom('group_roles')
                .select('role_id')
                .where('group_id', 'in', groupIds.length ? groupIds : ['']),
            ),
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
    numbers: async (values) =>
      values.length
        ? db.selectFrom('numbers').select(['id', 'value', 'voice', 'sms']).where('domain_id', '=', domainId).where('value', 'in', values).execute()
        : [],
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
    externalIdsHeld: (list, exceptId) => externalIdsHeld(db, domainId, list, exceptId),
    ...licenseLookupsOf(db, domainId),
  };
}
