import { sql, type Kysely, type Migration } from 'kysely';

/**
 * `sip_subscriber`: what Kamailio's and OpenSIPS's auth_db read (username, domain, ha1, ha1b), for
 * live accounts whose digests match their domain's current realm. A view, so it is never stale.
 */
export const sipSubscriber: Migration = {
  async up(db: Kysely<any>) {
    // auth_db asks by username and domain: without this index every REGISTER would scan the accounts.
    await db.schema.createIndex('sip_accounts__username').on('sip_accounts').column('username').execute();
    await sql`
      create view sip_subscriber as
      select s.username as username, coalesce(d.realm, d.name) as domain, s.ha1_md5 as ha1, s.ha1b_md5 as ha1b,
             s.ha1_sha256 as ha1_sha256, s.ha1b_sha256 as ha1b_sha256, s.user_id as user_id
      from sip_accounts s
      join domains d on d.id = s.domain_id
      join users u on u.id = s.user_id
      where u.active = 1 and u.deleted_at is null and d.active = 1 and s.realm = coalesce(d.realm, d.name)`.execute(db);
  },
  async down(db: Kysely<any>) {
    await sql`drop view sip_subscriber`.execute(db);
    await db.schema.dropIndex('sip_accounts__username').execute();
  },
};
