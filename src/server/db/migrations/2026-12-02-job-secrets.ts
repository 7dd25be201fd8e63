import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

/**
 * An import's generated SIP secrets, sealed, a row per chunk of the import, written in the
 * import's own transaction: they exist exactly when its users do, a kill or a cancel leaves none,
 * and neither the writer nor the download ever holds them all at once (they were one text in the
 * job's row: 190 MB for an import of 1,000,000 users, read, copied and written whole at its end).
 * On SQLite they live in the directory's file, with the users they belong to; the job's row (in
 * the sign-in file) only says when they were taken, for they are answered once. The old column
 * stays, emptied, for the processes of the release before during a rolling upgrade; the next
 * release drops it.
 */
export const jobSecrets: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('job_secrets')
      .addColumn('job_id', 'text', (c) => c.notNull())
      .addColumn('chunk', 'integer', (c) => c.notNull())
      .addColumn('sealed', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('job_secrets__pk', ['job_id', 'chunk'])
      .execute();
    const jobs = jobsSchema(db);
    await jobs.alterTable('jobs').addColumn('secrets_taken_at', 'text').execute();
    await sql`insert into job_secrets (job_id, chunk, sealed) select id, 0, secrets from jobs where secrets is not null`.execute(db);
    await sql`update jobs set secrets = null where secrets is not null`.execute(db);
  },
  async down(db: Kysely<any>) {
    const jobs = jobsSchema(db);
    const joined =
      db.getExecutor().adapter instanceof PostgresAdapter
        ? sql`(select string_agg(s.sealed, '' order by s.chunk) from job_secrets s where s.job_id = jobs.id)`
        : sql`(select group_concat(s.sealed, '' order by s.chunk) from job_secrets s where s.job_id = jobs.id)`;
    await sql`update jobs set secrets = ${joined} where secrets_taken_at is null`.execute(db);
    await jobs.alterTable('jobs').dropColumn('secrets_taken_at').execute();
    await db.schema.dropTable('job_secrets').execute();
  },
};

/** Where the jobs' table is: the sign-in file on SQLite (2026-11-30.11). */
const jobsSchema = (db: Kysely<any>) => (db.getExecutor().adapter instanceof PostgresAdapter ? db.schema : db.schema.withSchema('sign_in'));
