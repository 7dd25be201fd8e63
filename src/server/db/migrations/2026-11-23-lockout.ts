import type { Kysely, Migration } from 'kysely';

/** Failed sign-ins per account and per source address, and each domain's brute-force settings. */
export const lockout: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('domains').addColumn('brute_force', 'text').execute();
    await db.schema
      .createTable('login_failures')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('failures', 'integer', (c) => c.notNull())
      .addColumn('lockouts', 'integer', (c) => c.notNull())
      .addColumn('last_failure_at', 'text', (c) => c.notNull())
      .addColumn('locked_until', 'text')
      .execute();
    await db.schema.createIndex('login_failures__last_failure_at').on('login_failures').column('last_failure_at').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('login_failures').execute();
    await db.schema.alterTable('domains').dropColumn('brute_force').execute();
  },
};
