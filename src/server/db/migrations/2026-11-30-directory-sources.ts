import type { Kysely, Migration } from 'kysely';

/**
 * Directory sources: LDAP or Active Directory servers a domain takes users from. A synced user
 * remembers its source and its entry's DN; the password stays in the directory, checked by a
 * bind. Deleting a source leaves its users in place, owned by nobody.
 */
export const directorySources: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('directory_sources')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('domain_id', 'text', (c) => c.notNull().references('domains.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('name_key', 'text', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('start_tls', 'integer', (c) => c.notNull())
      .addColumn('bind_dn', 'text', (c) => c.notNull())
      .addColumn('bind_password', 'text', (c) => c.notNull())
      .addColumn('base_dn', 'text', (c) => c.notNull())
      .addColumn('user_filter', 'text', (c) => c.notNull())
      .addColumn('preset', 'text', (c) => c.notNull())
      .addColumn('attributes', 'text', (c) => c.notNull())
      .addColumn('membership', 'text', (c) => c.notNull())
      .addColumn('group_mappings', 'text', (c) => c.notNull())
      .addColumn('default_roles', 'text', (c) => c.notNull())
      .addColumn('owned_fields', 'text', (c) => c.notNull())
      .addColumn('schedule_minutes', 'integer')
      .addColumn('next_sync_at', 'text')
      .addColumn('last_sync', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('directory_sources__domain_id__name_key').unique().on('directory_sources').columns(['domain_id', 'name_key']).execute();
    await db.schema.createIndex('directory_sources__next_sync_at').on('directory_sources').column('next_sync_at').execute();
    await db.schema.alterTable('users').addColumn('directory_source_id', 'text').execute();
    await db.schema.alterTable('users').addColumn('directory_dn', 'text').execute();
    await db.schema.createIndex('users__directory_source_id').on('users').column('directory_source_id').execute();
    // The admin role holds every permission of its domain, the directory sources' included.
    const admins = await db.selectFrom('roles').select(['id', 'permissions']).where('builtin', '=', 1).where('name_key', '=', 'admin').execute();
    for (const role of admins) {
      const permissions = [...new Set([...(JSON.parse(role.permissions) as string[]), 'directory-sources:read', 'directory-sources:update'])];
      await db
        .updateTable('roles')
        .set({ permissions: JSON.stringify(permissions) })
        .where('id', '=', role.id)
        .execute();
    }
  },
  async down(db: Kysely<any>) {
    await db.schema.dropIndex('users__directory_source_id').execute();
    await db.schema.alterTable('users').dropColumn('directory_dn').execute();
    await db.schema.alterTable('users').dropColumn('directory_source_id').execute();
    await db.schema.dropTable('directory_sources').execute();
  },
};
