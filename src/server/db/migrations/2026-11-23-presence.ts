import type { Kysely, Migration } from 'kysely';

/** Pause reasons per domain, and the history of every user's status, CC mode and registration. */
export const presence: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('pause_reasons')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('domain_id', 'text', (c) => c.notNull().references('domains.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('name_key', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('max_duration', 'integer')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('pause_reasons__domain_id__name_key').unique().on('pause_reasons').columns(['domain_id', 'name_key']).execute();
    await db.schema
      .createTable('status_history')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('domain_id', 'text', (c) => c.notNull().references('domains.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('dimension', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('by', 'text', (c) => c.notNull())
      .addColumn('actor', 'text')
      .addColumn('at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('status_history__user_id__id').on('status_history').columns(['user_id', 'id']).execute();
    // Supervisors of existing domains may force statuses, as those of new domains may.
    const supervisors = await db.selectFrom('roles').select(['id', 'permissions']).where('builtin', '=', 1).where('name_key', '=', 'supervisor').execute();
    for (const role of supervisors) {
      const permissions = [...new Set([...(JSON.parse(role.permissions) as string[]), 'users:force-status'])];
      await db
        .updateTable('roles')
        .set({ permissions: JSON.stringify(permissions) })
        .where('id', '=', role.id)
        .execute();
    }
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('status_history').execute();
    await db.schema.dropTable('pause_reasons').execute();
  },
};
