import { sql, type Kysely, type Migration } from 'kysely';

const view = (digest: (column: string) => string) => `
  create view sip_subscriber as
  select s.username as username, coalesce(d.realm, d.name) as domain, ${digest('s.ha1_md5')} as ha1, ${digest('s.ha1b_md5')} as ha1b,
         ${digest('s.ha1_sha256')} as ha1_sha256, ${digest('s.ha1b_sha256')} as ha1b_sha256, s.user_id as user_id
  from sip_accounts s
  join domains d on d.id = s.domain_id
  join users u on u.id = s.user_id
  where u.active = 1 and u.deleted_at is null and d.active = 1 and s.realm = coalesce(d.realm, d.name)`;

/**
 * Accounts brought in from another system may lack some digests (SHA-256, or Kamailio's `ha1b`),
 * stored empty. auth_db takes an empty HA1 as a real one — anyone could answer its challenge —
 * but finds no credentials in a NULL: the view answers NULL for them.
 */
export const subscriberDigests: Migration = {
  async up(db: Kysely<any>) {
    await sql`drop view sip_subscriber`.execute(db);
    await sql.raw(view((column) => `nullif(${column}, '')`)).execute(db);
  },
  async down(db: Kysely<any>) {
    await sql`drop view sip_subscriber`.execute(db);
    await sql.raw(view((column) => column)).execute(db);
  },
};
