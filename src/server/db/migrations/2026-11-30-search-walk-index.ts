import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

/**
 * PostgreSQL: a search of many matches walks the users in login order and checks each one's
 * text. Read from the heap, every row passed costs a page; from this index, which carries the
 * text, the walk is an index-only scan and reads the rows of its page only (SQLite has its own
 * index for this since 2026-11-30.04).
 */
export const searchWalkIndex: Migration = {
  async up(db: Kysely<any>) {
    if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
    await sql`create index users__domain_id__login_key__search on users (domain_id, login_key) include (id, search_text, deleted_at)`.execute(db);
  },
  async down(db: Kysely<any>) {
    if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
    await db.schema.dropIndex('users__domain_id__login_key__search').execute();
  },
};
