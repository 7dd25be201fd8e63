import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

/**
 * On SQLite, what signing in writes moves to the sign-in file (see db/sign-in-file.ts): sessions
 * and failed sign-in counts, with their rows. Sessions lose their foreign key to users there (a
 * key cannot cross files): a session is only ever honoured joined to a live user, and an ended
 * user's sessions are deleted with it. Both engines get `audit_outbox`, where sign-ins leave their
 * audit entries for the log.
 */
export const signInFile: Migration = {
  async up(db: Kysely<any>) {
    if (db.getExecutor().adapter instanceof PostgresAdapter) return createOutbox(db);
    await createSignInTables(db, 'sign_in');
    await createOutbox(db, 'sign_in');
    await moveRows(db, 'main', 'sign_in');
  },
  async down(db: Kysely<any>) {
    if (db.getExecutor().adapter instanceof PostgresAdapter) return void (await db.schema.dropTable('audit_outbox').execute());
    await createSignInTables(db, 'main');
    await moveRows(db, 'sign_in', 'main');
    await sql`drop table sign_in.audit_outbox`.execute(db);
  },
};

async function createSignInTables(db: Kysely<any>, schema: string) {
  const userKey = schema === 'main' ? sql`references users (id) on delete cascade` : sql``;
  await sql`create table ${sql.id(schema)}.sessions (
    id text primary key, user_id text not null ${userKey}, created_at text not null, expires_at text not null,
    last_seen_at text not null, user_agent text, address text)`.execute(db);
  await sql`create index ${sql.id(schema)}.sessions__user_id on sessions (user_id)`.execute(db);
  await sql`create index ${sql.id(schema)}.sessions__expires_at on sessions (expires_at)`.execute(db);
  await sql`create table ${sql.id(schema)}.login_failures (
    key text primary key, failures integer not null, lockouts integer not null, last_failure_at text not null, locked_until text)`.execute(db);
  await sql`create index ${sql.id(schema)}.login_failures__last_failure_at on login_failures (last_failure_at)`.execute(db);
}

async function moveRows(db: Kysely<any>, from: string, to: string) {
  for (const table of ['sessions', 'login_failures']) {
    await sql`insert into ${sql.id(to)}.${sql.id(table)} select * from ${sql.id(from)}.${sql.id(table)}`.execute(db);
    await sql`drop table ${sql.id(from)}.${sql.id(table)}`.execute(db);
  }
}

async function createOutbox(db: Kysely<any>, schema?: string) {
  await (schema ? db.schema.withSchema(schema) : db.schema)
    .createTable('audit_outbox')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('domain_id', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('actor_login', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('target_name', 'text', (c) => c.notNull())
    .addColumn('changes', 'text', (c) => c.notNull())
    .execute();
}
