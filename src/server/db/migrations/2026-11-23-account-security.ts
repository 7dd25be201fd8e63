import type { Kysely, Migration } from 'kysely';

/** Per-user security settings, integrations, two-factor authentication and recovery codes. */
export const accountSecurity: Migration = {
  async up(db: Kysely<any>) {
    const columns: [string, 'text' | 'integer', string | number | null][] = [
      ['two_factor', 'text', 'none'],
      ['totp_secret', 'text', null],
      ['totp_pending_secret', 'text', null],
      ['totp_last_step', 'integer', null],
      ['session_timeout', 'integer', null],
      ['session_max_age', 'integer', null],
      ['max_sessions', 'integer', null],
      ['session_limit', 'text', 'end-oldest'],
      ['ip_allow_list', 'text', '[]'],
      ['oauth_email', 'text', null],
      ['caldav_token', 'text', null],
      ['crm_id', 'text', null],
    ];
    for (const [name, type, fallback] of columns) {
      await db.schema
        .alterTable('users')
        .addColumn(name, type, (c) => (fallback === null ? c : c.notNull().defaultTo(fallback)))
        .execute();
    }
    await db.schema
      .alterTable('domains')
      .addColumn('require_two_factor', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .alterTable('roles')
      .addColumn('require_two_factor', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .createTable('recovery_codes')
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('code_hash', 'text', (c) => c.notNull())
      .addColumn('used_at', 'text')
      .addPrimaryKeyConstraint('recovery_codes__pk', ['user_id', 'code_hash'])
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('recovery_codes').execute();
    await db.schema.alterTable('roles').dropColumn('require_two_factor').execute();
    await db.schema.alterTable('domains').dropColumn('require_two_factor').execute();
    for (const name of [
      'two_factor',
      'totp_secret',
      'totp_pending_secret',
      'totp_last_step',
      'session_timeout',
      'session_max_age',
      'max_sessions',
      'session_limit',
      'ip_allow_list',
      'oauth_email',
      'caldav_token',
      'crm_id',
    ]) {
      await db.schema.alterTable('users').dropColumn(name).execute();
    }
  },
};
