import type { Kysely, Migration } from 'kysely';

/**
 * A long write's change entries now wait for their numbers in a temporary table of its
 * transaction, not in `changes` marked by `batch`: the index on `batch` only cost every entry
 * written. The column stays, always null.
 */
export const changesBatchIndex: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.dropIndex('changes__batch').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.createIndex('changes__batch').on('changes').column('batch').execute();
  },
};
