import { PostgresAdapter, type Kysely, type Migration } from 'kysely';

/**
 * Jobs (imports, migrations, directory syncs) and leases, shared by every process of a cluster
 * (see jobs/ and leases/). On SQLite they live in the sign-in file (db/sign-in-file.ts): a job's
 * progress and heartbeat are written while the import holds the directory's write lock. Both
 * tables stay small (finished jobs are kept an hour): no index but their keys.
 */
export const jobsAndLeases: Migration = {
  async up(db: Kysely<any>) {
    const schema = db.getExecutor().adapter instanceof PostgresAdapter ? db.schema : db.schema.withSchema('sign_in');
    await schema
      .createTable('jobs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('domain_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      // The directory source a sync reads; null for an import.
      .addColumn('source', 'text')
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('started_by', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('finished_at', 'text')
      .addColumn('progress', 'text', (c) => c.notNull())
      .addColumn('result', 'text')
      .addColumn('error', 'text')
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('heartbeat_at', 'text', (c) => c.notNull())
      .addColumn('cancel_requested_at', 'text')
      // The import's error report (secret cells emptied) and its generated SIP secrets, sealed.
      .addColumn('report', 'text')
      .addColumn('secrets', 'text')
      .execute();
    await schema
      .createTable('leases')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('holder', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<any>) {
    const schema = db.getExecutor().adapter instanceof PostgresAdapter ? db.schema : db.schema.withSchema('sign_in');
    await schema.dropTable('leases').execute();
    await schema.dropTable('jobs').execute();
  },
};
