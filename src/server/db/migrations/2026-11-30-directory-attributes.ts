import type { Kysely, Migration } from 'kysely';

/**
 * What identity providers keep about a person and provision over SCIM: their own id of the user
 * and of a group (`external_id`, looked up by filter, so indexed), the enterprise attributes
 * (employee number, department, manager) and the locale, apart from the console's language.
 */
export const directoryAttributes: Migration = {
  async up(db: Kysely<any>) {
    for (const column of ['external_id', 'employee_number', 'department', 'manager_id', 'locale']) {
      await db.schema.alterTable('users').addColumn(column, 'text').execute();
    }
    await db.schema.alterTable('groups').addColumn('external_id', 'text').execute();
    await db.schema.createIndex('users__domain_id__external_id').on('users').columns(['domain_id', 'external_id']).execute();
    await db.schema.createIndex('groups__domain_id__external_id').on('groups').columns(['domain_id', 'external_id']).execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropIndex('groups__domain_id__external_id').execute();
    await db.schema.dropIndex('users__domain_id__external_id').execute();
    await db.schema.alterTable('groups').dropColumn('external_id').execute();
    for (const column of ['external_id', 'employee_number', 'department', 'manager_id', 'locale']) {
      await db.schema.alterTable('users').dropColumn(column).execute();
    }
  },
};
