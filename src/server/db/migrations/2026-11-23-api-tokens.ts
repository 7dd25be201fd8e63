import type { Kysely, Migration } from 'kysely';

/** Tokens for machines and integrations, scoped to part of their owner's permissions. */
export const apiTokens: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('api_tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('permissions', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('last_used_at', 'text')
      .execute();
    await db.schema.createIndex('api_tokens__user_id').on('api_tokens').column('user_id').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('api_tokens').execute();
  },
};
