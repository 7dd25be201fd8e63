import type { Kysely, Migration } from 'kysely';

/** The audit log is searched by who and what by name too (a login, a group's name), not only by id. */
export const auditNames: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.createIndex('audit_log__domain_id__actor_login').on('audit_log').columns(['domain_id', 'actor_login', 'at']).execute();
    await db.schema.createIndex('audit_log__domain_id__target_name').on('audit_log').columns(['domain_id', 'target_name', 'at']).execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropIndex('audit_log__domain_id__target_name').execute();
    await db.schema.dropIndex('audit_log__domain_id__actor_login').execute();
  },
};
