import type { Kysely, Migration } from 'kysely';

/** Forced password change at next sign-in, and one-time reset tokens issued by administrators. */
export const passwordLifeCycle: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .alterTable('users')
      .addColumn('must_change_password', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .createTable('password_reset_tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('password_reset_tokens__user_id').on('password_reset_tokens').column('user_id').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('password_reset_tokens').execute();
    await db.schema.alterTable('users').dropColumn('must_change_password').execute();
  },
};
