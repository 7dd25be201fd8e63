import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

/** Domains, users, roles, groups, sessions and the audit log. */
export const directory: Migration = {
  async up(db: Kysely<any>) {
    // Prefix search on terms compares by code point; PostgreSQL needs the C collation for that.
    const bytewise = db.getExecutor().adapter instanceof PostgresAdapter ? sql`collate "C"` : sql``;

    await db.schema
      .createTable('domains')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('title', 'text')
      .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('domain_id', 'text', (c) => c.notNull().references('domains.id').onDelete('cascade'))
      .addColumn('login', 'text', (c) => c.notNull())
      .addColumn('login_key', 'text', (c) => c.notNull().modifyEnd(bytewise))
      .addColumn('email', 'text')
      .addColumn('email_key', 'text')
      .addColumn('first_name', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('last_name', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('password_hash', 'text')
      .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('position', 'text')
      .addColumn('work_phone', 'text')
      .addColumn('timezone', 'text')
      .addColumn('language', 'text')
      .addColumn('description', 'text')
      .addColumn('domain_admin', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('platform_admin', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('deleted_at', 'text')
      .execute();
    await db.schema.createIndex('users__domain_id__login_key').unique().on('users').columns(['domain_id', 'login_key']).execute();
    await db.schema.createIndex('users__domain_id__email_key').unique().on('users').columns(['domain_id', 'email_key']).execute();
    for (const column of ['first_name', 'last_name', 'created_at', 'updated_at']) {
      await db.schema.createIndex(`users__domain_id__${column}`).on('users').columns(['domain_id', column, 'id']).execute();
    }
    await db.schema.createIndex('users__deleted_at').on('users').column('deleted_at').execute();

    for (const table of ['roles', 'groups']) {
      let builder = db.schema
        .createTable(table)
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('domain_id', 'text', (c) => c.notNull().references('domains.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('name_key', 'text', (c) => c.notNull())
        .addColumn('description', 'text');
      if (table === 'roles') {
        builder = builder.addColumn('permissions', 'text', (c) => c.notNull()).addColumn('builtin', 'integer', (c) => c.notNull().defaultTo(0));
      }
      await builder
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex(`${table}__domain_id__name_key`).unique().on(table).columns(['domain_id', 'name_key']).execute();
    }

    const link = async (table: string, left: [string, string], right: [string, string]) => {
      await db.schema
        .createTable(table)
        .addColumn(left[0], 'text', (c) => c.notNull().references(`${left[1]}.id`).onDelete('cascade'))
        .addColumn(right[0], 'text', (c) => c.notNull().references(`${right[1]}.id`).onDelete('cascade'))
        .addPrimaryKeyConstraint(`${table}__pk`, [left[0], right[0]])
        .execute();
      await db.schema.createIndex(`${table}__${right[0]}`).on(table).column(right[0]).execute();
    };
    await link('user_roles', ['user_id', 'users'], ['role_id', 'roles']);
    await link('user_groups', ['user_id', 'users'], ['group_id', 'groups']);
    await link('group_roles', ['group_id', 'groups'], ['role_id', 'roles']);

    await db.schema
      .createTable('user_tags')
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('domain_id', 'text', (c) => c.notNull())
      .addColumn('tag', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('user_tags__pk', ['user_id', 'tag'])
      .execute();
    await db.schema.createIndex('user_tags__domain_id__tag').on('user_tags').columns(['domain_id', 'tag']).execute();

    // One row per word a user is found by. `live` and `login_key` ride along so that a search
    // sorted by login is answered from this index alone, whatever the size of the directory.
    await db.schema
      .createTable('user_search_terms')
      .addColumn('domain_id', 'text', (c) => c.notNull())
      .addColumn('live', 'integer', (c) => c.notNull())
      .addColumn('term', 'text', (c) => c.notNull().modifyEnd(bytewise))
      .addColumn('login_key', 'text', (c) => c.notNull().modifyEnd(bytewise))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addPrimaryKeyConstraint('user_search_terms__pk', ['domain_id', 'live', 'term', 'login_key', 'user_id'])
      .execute();
    await db.schema.createIndex('user_search_terms__user_id__term').on('user_search_terms').columns(['user_id', 'term']).execute();

    await db.schema
      .createTable('sessions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('last_seen_at', 'text', (c) => c.notNull())
      .addColumn('user_agent', 'text')
      .addColumn('address', 'text')
      .execute();
    await db.schema.createIndex('sessions__user_id').on('sessions').column('user_id').execute();
    await db.schema.createIndex('sessions__expires_at').on('sessions').column('expires_at').execute();

    await db.schema
      .createTable('audit_log')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('domain_id', 'text', (c) => c.notNull().references('domains.id').onDelete('cascade'))
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('actor_id', 'text')
      .addColumn('actor_login', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('target_type', 'text', (c) => c.notNull())
      .addColumn('target_id', 'text', (c) => c.notNull())
      .addColumn('target_name', 'text', (c) => c.notNull())
      .addColumn('changes', 'text', (c) => c.notNull())
      .execute();
    for (const column of ['at', 'target_id', 'actor_id', 'action']) {
      const columns = column === 'at' ? ['domain_id', 'at', 'id'] : ['domain_id', column, 'at'];
      await db.schema.createIndex(`audit_log__domain_id__${column}`).on('audit_log').columns(columns).execute();
    }
  },

  async down(db: Kysely<any>) {
    for (const table of [
      'audit_log',
      'sessions',
      'user_search_terms',
      'user_tags',
      'group_roles',
      'user_groups',
      'user_roles',
      'groups',
      'roles',
      'users',
      'domains',
    ]) {
      await db.schema.dropTable(table).execute();
    }
  },
};
