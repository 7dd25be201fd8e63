import type { Kysely, Migration } from 'kysely';

/** The tags and skills a domain offers; users' tags and agents' skills are picked from them. */
export const catalogs: Migration = {
  async up(db: Kysely<any>) {
    for (const table of ['tags', 'skills']) {
      await db.schema
        .createTable(table)
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('domain_id', 'text', (c) => c.notNull().references('domains.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('name_key', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex(`${table}__domain_id__name_key`).unique().on(table).columns(['domain_id', 'name_key']).execute();
    }
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('skills').execute();
    await db.schema.dropTable('tags').execute();
  },
};
