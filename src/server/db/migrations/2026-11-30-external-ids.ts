import type { Kysely, Migration } from 'kysely';

/**
 * A user's ids in other systems (a CRM contact, the identity provider's record): one per system
 * per user, each held by one user of a domain, deleted users included (as logins are). The
 * identity provider's id, kept since .06 in users.external_id, moves in as the system `scim`, so
 * there is one place to keep and to find such ids. Where two users of a domain had the same one
 * (the old column was not unique), the live, most recently changed user keeps it.
 *
 * The CRM gate: a domain's settings document for it (the secret sealed inside), and the
 * permission to manage it, which the admin role holds as it holds every other.
 */
export const externalIds: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('user_external_ids')
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('domain_id', 'text', (c) => c.notNull())
      .addColumn('system', 'text', (c) => c.notNull())
      .addColumn('external_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('user_external_ids__pk', ['user_id', 'system'])
      .execute();
    await db.schema
      .createIndex('user_external_ids__domain_id__system__external_id')
      .unique()
      .on('user_external_ids')
      .columns(['domain_id', 'system', 'external_id'])
      .execute();
    const held = await db
      .selectFrom('users')
      .select(['id', 'domain_id', 'external_id'])
      .where('external_id', 'is not', null)
      .where('external_id', '!=', '')
      .orderBy('domain_id')
      .orderBy('external_id')
      .orderBy((eb) => eb.case().when('deleted_at', 'is', null).then(0).else(1).end())
      .orderBy('updated_at', 'desc')
      .execute();
    const seen = new Set<string>();
    const rows = held.flatMap((u) => {
      const key = `${u.domain_id}\u0000${u.external_id}`;
      if (seen.has(key)) return [];
      seen.add(key);
      return [{ user_id: u.id, domain_id: u.domain_id, system: 'scim', external_id: u.external_id }];
    });
    for (let i = 0; i < rows.length; i += 500)
      await db
        .insertInto('user_external_ids')
        .values(rows.slice(i, i + 500))
        .execute();
    await db.schema.dropIndex('users__domain_id__external_id').execute();
    await db.schema.alterTable('users').dropColumn('external_id').execute();

    await db.schema.alterTable('domains').addColumn('crm_gate', 'text').execute();
    const admins = await db.selectFrom('roles').select(['id', 'permissions']).where('builtin', '=', 1).where('name_key', '=', 'admin').execute();
    for (const role of admins) {
      const permissions = [...new Set([...(JSON.parse(role.permissions) as string[]), 'crm-gate:manage'])];
      await db
        .updateTable('roles')
        .set({ permissions: JSON.stringify(permissions) })
        .where('id', '=', role.id)
        .execute();
    }
  },
  async down(db: Kysely<any>) {
    await db.schema.alterTable('domains').dropColumn('crm_gate').execute();
    await db.schema.alterTable('users').addColumn('external_id', 'text').execute();
    const scim = await db.selectFrom('user_external_ids').select(['user_id', 'external_id']).where('system', '=', 'scim').execute();
    for (const row of scim) await db.updateTable('users').set({ external_id: row.external_id }).where('id', '=', row.user_id).execute();
    await db.schema.createIndex('users__domain_id__external_id').on('users').columns(['domain_id', 'external_id']).execute();
    await db.schema.dropTable('user_external_ids').execute();
  },
};
