import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Whether a domain still has an administrator is asked around every change that may take one
 * away. Of its users only the flagged few are indexed: the question is a probe, not a walk of
 * every user in search of a flag most never carry.
 */
export const domainAdministratorsIndex: Migration = {
  async up(db: Kysely<any>) {
    await sql`create index users__domain_id__domain_admins on users (domain_id) where domain_admin = 1`.execute(db);
  },
  async down(db: Kysely<any>) {
    await db.schema.dropIndex('users__domain_id__domain_admins').execute();
  },
};
