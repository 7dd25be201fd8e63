import type { Kysely, Migration } from 'kysely';

/** Two-factor authentication asked of one user, as a role or the domain can ask it of many. */
export const userTwoFactor: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .alterTable('users')
      .addColumn('require_two_factor', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.alterTable('users').dropColumn('require_two_factor').execute();
  },
};
