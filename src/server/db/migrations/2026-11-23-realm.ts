import { sql, type Kysely, type Migration } from 'kysely';

/** Each domain's SIP realm, used for digest authentication; it starts as the domain's name. */
export const realm: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('domains').addColumn('realm', 'text').execute();
    await sql`update domains set realm = name`.execute(db);
  },
  async down(db: Kysely<any>) {
    await db.schema.alterTable('domains').dropColumn('realm').execute();
  },
};
