import type { Kysely, Migration } from 'kysely';

/** A domain's inventory of presentation identities: E.164 numbers and alphanumeric SMS senders. */
export const numbers: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('numbers')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('domain_id', 'text', (c) => c.notNull().references('domains.id').onDelete('cascade'))
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('voice', 'integer', (c) => c.notNull())
      .addColumn('sms', 'integer', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('numbers__domain_id__value').unique().on('numbers').columns(['domain_id', 'value']).execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('numbers').execute();
  },
};
