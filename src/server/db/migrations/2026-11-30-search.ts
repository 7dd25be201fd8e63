import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';
import { searchTextOf } from '../search-text.ts';

/**
 * Search by the engines' own text indexes instead of a table of word rows: every user carries its
 * folded `search_text` (login, e-mail, names, extensions), indexed by trigrams — on SQLite an FTS5
 * table over it (external content, kept by triggers), on PostgreSQL a pg_trgm GIN index. The text
 * of the users already there is built here; `user_search_terms` goes.
 */
export const search: Migration = {
  async up(db: Kysely<any>) {
    const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
    await db.schema
      .alterTable('users')
      .addColumn('search_text', 'text', (c) => c.notNull().defaultTo(''))
      .execute();
    await fillSearchText(db);
    if (postgres) {
      await sql`create extension if not exists pg_trgm`.execute(db);
      // The operator class lives where the extension was installed, which need not be on the search path.
      const { rows } = await sql<{
        schema: string;
      }>`select n.nspname as schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_trgm'`.execute(db);
      await sql`create index users__search_text on users using gin (search_text ${sql.id(rows[0]?.schema ?? 'public')}.gin_trgm_ops)`.execute(db);
    } else {
      // detail=none: no positions, a third less to write; a word is looked up by its trigrams and checked on the row.
      await sql`create virtual table users_search using fts5(search_text, content='users', content_rowid='rowid', tokenize='trigram', detail=none)`.execute(db);
      await sql`insert into users_search(users_search) values ('rebuild')`.execute(db);
      // A search of many matches walks the users in login order and checks each one's text: read
      // from this index, only the matching rows are looked up (ten times less than every row).
      await db.schema.createIndex('users__domain_id__login_key__search_text').on('users').columns(['domain_id', 'login_key', 'id', 'search_text']).execute();
      await sql`create trigger users_search__insert after insert on users begin
        insert into users_search(rowid, search_text) values (new.rowid, new.search_text);
      end`.execute(db);
      await sql`create trigger users_search__delete after delete on users begin
        insert into users_search(users_search, rowid, search_text) values ('delete', old.rowid, old.search_text);
      end`.execute(db);
      await sql`create trigger users_search__update after update of search_text on users when old.search_text is not new.search_text begin
        insert into users_search(users_search, rowid, search_text) values ('delete', old.rowid, old.search_text);
        insert into users_search(rowid, search_text) values (new.rowid, new.search_text);
      end`.execute(db);
    }
    await db.schema.dropTable('user_search_terms').execute();
  },
  async down(db: Kysely<any>) {
    const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
    if (postgres) await db.schema.dropIndex('users__search_text').execute();
    else {
      await db.schema.dropIndex('users__domain_id__login_key__search_text').execute();
      for (const trigger of ['insert', 'delete', 'update']) await sql`drop trigger ${sql.id(`users_search__${trigger}`)}`.execute(db);
      await sql`drop table users_search`.execute(db);
    }
    await db.schema.alterTable('users').dropColumn('search_text').execute();
    // The word rows come back empty: searches find nobody until users are written again.
    await db.schema
      .createTable('user_search_terms')
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('domain_id', 'text', (c) => c.notNull())
      .addColumn('live', 'integer', (c) => c.notNull())
      .addColumn('term', 'text', (c) => c.notNull().modifyEnd(postgres ? sql`collate "C"` : sql``))
      .addColumn('login_key', 'text', (c) => c.notNull().modifyEnd(postgres ? sql`collate "C"` : sql``))
      .addPrimaryKeyConstraint('user_search_terms__pk', ['domain_id', 'live', 'term', 'login_key', 'user_id'])
      .execute();
    await db.schema.createIndex('user_search_terms__user_id__term').on('user_search_terms').columns(['user_id', 'term']).execute();
  },
};

/** Builds the search text of every user there is, 1,000 at a time in id order. */
async function fillSearchText(db: Kysely<any>) {
  let after = '';
  for (;;) {
    const users: {
      id: string;
      login: string;
      email: string | null;
      first_name: string;
      last_name: string;
      extension: string | null;
      virtual_extension: string | null;
    }[] = await db
      .selectFrom('users as u')
      .leftJoin('sip_accounts as s', 's.user_id', 'u.id')
      .select(['u.id', 'u.login', 'u.email', 'u.first_name', 'u.last_name', 's.extension', 's.virtual_extension'])
      .where('u.id', '>', after)
      .orderBy('u.id')
      .limit(1000)
      .execute();
    if (users.length === 0) return;
    for (const u of users) {
      const text = searchTextOf({
        login: u.login,
        email: u.email,
        firstName: u.first_name,
        lastName: u.last_name,
        extensions: [u.extension, u.virtual_extension],
      });
      await db.updateTable('users').set({ search_text: text }).where('id', '=', u.id).execute();
    }
    after = (users[users.length - 1] as { id: string }).id;
  }
}
