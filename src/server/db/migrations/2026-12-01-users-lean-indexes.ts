import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

/**
 * A change of many users (a bulk delete or restore, a sync) sets `updated_at`, which is indexed,
 * so every row it touches gets a new entry in every index of `users` (PostgreSQL makes no
 * heap-only update of it). Three of those entries served nothing:
 * - `deleted_at` and `directory_source_id` are looked up only by value (the purge's cutoff, a
 *   source's users), never for null: the indexes now hold only the rows that carry one;
 * - on PostgreSQL, the search walk's index (2026-11-30.12) has the columns of the login's unique
 *   index in the same order: it now enforces the uniqueness itself, and the other goes.
 */
export const usersLeanIndexes: Migration = {
  async up(db: Kysely<any>) {
    await replace(db, 'users__deleted_at', sql`create index users__deleted_at on users (deleted_at) where deleted_at is not null`);
    await replace(
      db,
      'users__directory_source_id',
      sql`create index users__directory_source_id on users (directory_source_id) where directory_source_id is not null`,
    );
    if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
    await replace(
      db,
      'users__domain_id__login_key__search',
      sql`create unique index users__domain_id__login_key__search on users (domain_id, login_key) include (id, search_text, deleted_at)`,
    );
    await db.schema.dropIndex('users__domain_id__login_key').execute();
  },
  async down(db: Kysely<any>) {
    if (db.getExecutor().adapter instanceof PostgresAdapter) {
      await db.schema.createIndex('users__domain_id__login_key').unique().on('users').columns(['domain_id', 'login_key']).execute();
      await replace(
        db,
        'users__domain_id__login_key__search',
        sql`create index users__domain_id__login_key__search on users (domain_id, login_key) include (id, search_text, deleted_at)`,
      );
    }
    await replace(db, 'users__directory_source_id', sql`create index users__directory_source_id on users (directory_source_id)`);
    await replace(db, 'users__deleted_at', sql`create index users__deleted_at on users (deleted_at)`);
  },
};

async function replace(db: Kysely<any>, name: string, create: ReturnType<typeof sql>) {
  await db.schema.dropIndex(name).execute();
  await create.execute(db);
}
