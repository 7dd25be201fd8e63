import type { Db } from '../db/schema.ts';

/** An active, live user's SIP account by username or extension, as FreeSWITCH's directory needs it. */
export async function freeswitchAccount(db: Db, domainId: string, user: string) {
  return db
    .selectFrom('sip_accounts as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select([
      's.username',
      's.extension',
      's.virtual_extension',
      's.ha1_md5',
      's.realm',
      's.auth_acl',
      's.caller_id_name',
      's.caller_id_number',
      'u.first_name',
      'u.last_name',
    ])
    .where('s.domain_id', '=', domainId)
    .where((eb) => eb.or([eb('s.username_key', '=', user), eb('s.extension', '=', user)]))
    .where('u.active', '=', 1)
    .where('u.deleted_at', 'is', null)
    .executeTakeFirst();
}
