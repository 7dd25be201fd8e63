import type { Kysely, Migration } from 'kysely';

/** Licensed products per domain, their seats, and who holds one. */
export const licenses: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('licenses')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('domain_id', 'text', (c) => c.notNull().references('domains.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('name_key', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('seats', 'integer', (c) => c.notNull())
      // Kept beside the assignments so that taking a seat is one conditional update on either engine.
      .addColumn('used', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('expires_at', 'text')
      .addColumn('capability', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('licenses__domain_id__name_key').unique().on('licenses').columns(['domain_id', 'name_key']).execute();
    await db.schema
      .createTable('license_assignments')
      .addColumn('license_id', 'text', (c) => c.notNull().references('licenses.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('assigned_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('license_assignments__pk', ['license_id', 'user_id'])
      .execute();
    await db.schema.createIndex('license_assignments__user_id').on('license_assignments').column('user_id').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('license_assignments').execute();
    await db.schema.dropTable('licenses').execute();
  },
};
