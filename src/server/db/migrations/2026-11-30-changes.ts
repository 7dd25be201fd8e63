import type { Kysely, Migration } from 'kysely';

/**
 * The change feed: one entry per resource a committed write touched, numbered per domain in the
 * order the writes committed. `seq` is null only inside a long transaction that numbers its
 * entries as it commits (an import), so nobody waits behind it for a number.
 */
export const changes: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('changes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('domain_id', 'text', (c) => c.notNull().references('domains.id').onDelete('cascade'))
      .addColumn('seq', 'bigint')
      .addColumn('batch', 'text')
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('resource_type', 'text', (c) => c.notNull())
      .addColumn('resource_id', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('version', 'integer')
      .addColumn('fields', 'text', (c) => c.notNull())
      .addColumn('actor_id', 'text')
      .addColumn('actor_login', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('changes__domain_id__seq').unique().on('changes').columns(['domain_id', 'seq']).execute();
    await db.schema.createIndex('changes__batch').on('changes').column('batch').execute();
    await db.schema.createIndex('changes__at').on('changes').column('at').execute();
    await db.schema
      .createTable('change_counters')
      .addColumn('domain_id', 'text', (c) => c.primaryKey().references('domains.id').onDelete('cascade'))
      .addColumn('last_seq', 'bigint', (c) => c.notNull())
      .execute();
    // The admin role holds every permission of its domain, the feed's included.
    const admins = await db.selectFrom('roles').select(['id', 'permissions']).where('builtin', '=', 1).where('name_key', '=', 'admin').execute();
    for (const role of admins) {
      const permissions = [...new Set([...(JSON.parse(role.permissions) as string[]), 'changes:read'])];
      await db
        .updateTable('roles')
        .set({ permissions: JSON.stringify(permissions) })
        .where('id', '=', role.id)
        .execute();
    }
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('change_counters').execute();
    await db.schema.dropTable('changes').execute();
  },
};
