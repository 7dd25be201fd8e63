import { sql, type Kysely, type Migration } from 'kysely';

/**
 * SIP accounts, the domain's extension numbers, hot-desk sign-ins, presentation pools and agent
 * profiles. Every number a domain dials internally (a user's extension, a virtual extension, a
 * hot desk) is one row of `extensions`, so one unique index keeps them apart.
 */
export const telephony: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('domains').addColumn('sip_settings', 'text').execute();
    await db.schema.alterTable('domains').addColumn('agent_defaults', 'text').execute();

    await db.schema
      .createTable('extensions')
      .addColumn('domain_id', 'text', (c) => c.notNull().references('domains.id').onDelete('cascade'))
      .addColumn('number', 'text', (c) => c.notNull())
      // Width and value let the lowest free number of a range be found in the index.
      .addColumn('width', 'integer', (c) => c.notNull())
      .addColumn('value', 'bigint', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
      .addColumn('description', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('extensions__pk', ['domain_id', 'number'])
      .execute();
    await db.schema.createIndex('extensions__domain_id__width__value').on('extensions').columns(['domain_id', 'width', 'value']).execute();
    await db.schema.createIndex('extensions__user_id').on('extensions').column('user_id').execute();

    await db.schema
      .createTable('sip_accounts')
      .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
      .addColumn('domain_id', 'text', (c) => c.notNull().references('domains.id').onDelete('cascade'))
      .addColumn('username', 'text', (c) => c.notNull())
      .addColumn('username_key', 'text', (c) => c.notNull())
      .addColumn('extension', 'text')
      .addColumn('virtual_extension', 'text')
      .addColumn('assignment', 'text', (c) => c.notNull())
      .addColumn('connection', 'text', (c) => c.notNull())
      .addColumn('custom_uri', 'text')
      .addColumn('auth_acl', 'text', (c) => c.notNull())
      .addColumn('stun', 'integer')
      .addColumn('voicemail_enabled', 'integer', (c) => c.notNull())
      .addColumn('voicemail_pin_hash', 'text')
      .addColumn('caller_id_name', 'text')
      .addColumn('caller_id_number', 'text')
      // The realm the digests below were computed for: after a realm change they no longer match.
      .addColumn('realm', 'text', (c) => c.notNull())
      .addColumn('ha1_md5', 'text', (c) => c.notNull())
      .addColumn('ha1_sha256', 'text', (c) => c.notNull())
      .addColumn('ha1b_md5', 'text', (c) => c.notNull())
      .addColumn('ha1b_sha256', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('sip_accounts__domain_id__username_key').unique().on('sip_accounts').columns(['domain_id', 'username_key']).execute();

    await db.schema
      .createTable('presentation_numbers')
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('number_id', 'text', (c) => c.notNull().references('numbers.id'))
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('presentation_numbers__pk', ['user_id', 'purpose', 'number_id'])
      .execute();
    await db.schema.createIndex('presentation_numbers__number_id').on('presentation_numbers').column('number_id').execute();

    await db.schema
      .createTable('desk_sign_ins')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('domain_id', 'text', (c) => c.notNull().references('domains.id').onDelete('cascade'))
      .addColumn('extension', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('signed_in_at', 'text', (c) => c.notNull())
      .addColumn('signed_out_at', 'text')
      .addColumn('signed_out_by', 'text')
      .execute();
    // A desk holds one user at a time and a user sits at one desk: the database keeps it so under races.
    await db.schema
      .createIndex('desk_sign_ins__occupied_desk')
      .unique()
      .on('desk_sign_ins')
      .columns(['domain_id', 'extension'])
      .where(sql.ref('signed_out_at'), 'is', null)
      .execute();
    await db.schema
      .createIndex('desk_sign_ins__seated_user')
      .unique()
      .on('desk_sign_ins')
      .column('user_id')
      .where(sql.ref('signed_out_at'), 'is', null)
      .execute();
    await db.schema.createIndex('desk_sign_ins__user_id__signed_in_at').on('desk_sign_ins').columns(['user_id', 'signed_in_at']).execute();

    await db.schema
      .createTable('agents')
      .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
      .addColumn('domain_id', 'text', (c) => c.notNull().references('domains.id').onDelete('cascade'))
      .addColumn('enabled', 'integer', (c) => c.notNull())
      .addColumn('all_tags', 'integer', (c) => c.notNull())
      .addColumn('all_skills', 'integer', (c) => c.notNull())
      // JSON of the settings this agent sets itself; the rest follow the domain's agent defaults.
      .addColumn('overrides', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('agents__domain_id__enabled').on('agents').columns(['domain_id', 'enabled']).execute();

    await db.schema
      .createTable('agent_skills')
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('skill_id', 'text', (c) => c.notNull().references('skills.id'))
      .addColumn('level', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('agent_skills__pk', ['user_id', 'skill_id'])
      .execute();
    await db.schema.createIndex('agent_skills__skill_id').on('agent_skills').column('skill_id').execute();
  },
  async down(db: Kysely<any>) {
    for (const table of ['agent_skills', 'agents', 'desk_sign_ins', 'presentation_numbers', 'sip_accounts', 'extensions'])
      await db.schema.dropTable(table).execute();
    await db.schema.alterTable('domains').dropColumn('agent_defaults').execute();
    await db.schema.alterTable('domains').dropColumn('sip_settings').execute();
  },
};
