import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

/**
 * OpenID Connect sign-in: a domain's identity providers (the client secret sealed), which
 * sessions an SSO sign-in opened (for RP-initiated logout, and whether the provider vouched for
 * several factors), and whether a domain or a role requires SSO.
 */
export const identityProviders: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('identity_providers')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('domain_id', 'text', (c) => c.notNull().references('domains.id').onDelete('cascade'))
      .addColumn('issuer', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('client_secret', 'text', (c) => c.notNull())
      .addColumn('scopes', 'text', (c) => c.notNull())
      .addColumn('match_claim', 'text', (c) => c.notNull())
      .addColumn('allowed_email_domains', 'text', (c) => c.notNull())
      .addColumn('button_label', 'text', (c) => c.notNull())
      .addColumn('jit_enabled', 'integer', (c) => c.notNull())
      .addColumn('jit_roles', 'text', (c) => c.notNull())
      .addColumn('jit_groups', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('identity_providers__domain_id').on('identity_providers').column('domain_id').execute();
    if (db.getExecutor().adapter instanceof PostgresAdapter) {
      await db.schema
        .createTable('sso_sessions')
        .addColumn('session_id', 'text', (c) => c.primaryKey().references('sessions.id').onDelete('cascade'))
        .addColumn('provider_id', 'text', (c) => c.notNull().references('identity_providers.id').onDelete('cascade'))
        .addColumn('multi_factor', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sso_sessions__provider_id').on('sso_sessions').column('provider_id').execute();
    } else {
      // On SQLite it lives with the sessions in the sign-in file (db/sign-in-file.ts), where no key
      // reaches the providers: a session is only found through its own id, joined to a live provider.
      await sql`create table sign_in.sso_sessions (session_id text primary key, provider_id text not null, multi_factor integer not null)`.execute(db);
      await sql`create index sign_in.sso_sessions__provider_id on sso_sessions (provider_id)`.execute(db);
    }
    await db.schema
      .alterTable('domains')
      .addColumn('require_sso', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .alterTable('roles')
      .addColumn('require_sso', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    // The admin role holds every permission of its domain, the identity providers' included.
    const admins = await db.selectFrom('roles').select(['id', 'permissions']).where('builtin', '=', 1).where('name_key', '=', 'admin').execute();
    for (const role of admins) {
      const permissions = [...new Set([...(JSON.parse(role.permissions) as string[]), 'identity-providers:read', 'identity-providers:update'])];
      await db
        .updateTable('roles')
        .set({ permissions: JSON.stringify(permissions) })
        .where('id', '=', role.id)
        .execute();
    }
  },
  async down(db: Kysely<any>) {
    await db.schema.alterTable('roles').dropColumn('require_sso').execute();
    await db.schema.alterTable('domains').dropColumn('require_sso').execute();
    await db.schema.dropTable('sso_sessions').execute();
    await db.schema.dropTable('identity_providers').execute();
  },
};
