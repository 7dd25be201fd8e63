import { sql, type Kysely, type Migration } from 'kysely';

/**
 * A stream that shows only its own user resumes from the feed by what it shows: that user's
 * entries (by resource) and the entries of shared resources (roles, groups, settings: the few
 * that are not users). Read by domain and number alone, a resume after an import walked every
 * user's entry to find its own.
 */
export const changesByResource: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.createIndex('changes__resource_id__seq').on('changes').columns(['resource_id', 'seq']).execute();
    await sql`create index changes__domain_id__seq__shared on changes (domain_id, seq) where resource_type <> 'user'`.execute(db);
  },
  async down(db: Kysely<any>) {
    await db.schema.dropIndex('changes__domain_id__seq__shared').execute();
    await db.schema.dropIndex('changes__resource_id__seq').execute();
  },
};
