import type { Kysely, Migration } from 'kysely';

/** Password policy per domain (null: the default policy) and the history of each user's passwords. */
export const passwords: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('domains').addColumn('password_policy', 'text').execute();
    await db.schema
      .createTable('password_history')
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('password_history__user_id__created_at').on('password_history').columns(['user_id', 'created_at']).execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('password_history').execute();
    await db.schema.alterTable('domains').dropColumn('password_policy').execute();
  },
};
