import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Migrator, type Kysely } from 'kysely';
import { engines, freshStorage } from '../../../test/databases.ts';
import { connect, type Storage } from '../db/connect.ts';
import { migrateToLatest, migrations } from '../db/migrate.ts';

/** Identity providers' ids kept in users.external_id (migration .06), moved into the external ids as the system scim. */
for (const engine of engines) {
  describe(`SCIM's externalId moved into the external ids [${engine}]`, () => {
    let storage: Storage;
    let drop: () => Promise<void>;
    before(async () => {
      const database = await freshStorage(engine);
      drop = database.drop;
      storage = connect(database.url);
      const db = storage.db as unknown as Kysely<any>;
      const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
      const { error } = await migrator.migrateTo('2026-11-30.08-identity-providers');
      if (error) throw error;
      const now = new Date().toISOString();
      await db.insertInto('domains').values({ id: 'd1', name: 'default', created_at: now, updated_at: now }).execute();
      const people = [
        ['u1', 'anna', 'okta-1', null, now],
        ['u2', 'old.jan', 'okta-2', now, '2026-11-01T00:00:00.000Z'],
        ['u3', 'jan', 'okta-2', null, '2026-10-01T00:00:00.000Z'],
        ['u4', 'none', null, null, now],
      ] as const;
      for (const [id, login, externalId, deletedAt, updatedAt] of people)
        await db
          .insertInto('users')
          .values({
            id,
            domain_id: 'd1',
            login,
            login_key: login,
            first_name: '',
            last_name: '',
            external_id: externalId,
            deleted_at: deletedAt,
            created_at: now,
            updated_at: updatedAt,
          })
          .execute();
      await migrateToLatest(storage.db);
    });
    after(async () => {
      await storage.close();
      await drop();
    });

    it('keeps each id under scim, the live user keeping one two users had, and drops the column', async () => {
      const rows = await storage.db.selectFrom('user_external_ids').select(['user_id', 'system', 'external_id']).orderBy('user_id').execute();
      assert.deepEqual(rows, [
        { user_id: 'u1', system: 'scim', external_id: 'okta-1' },
        { user_id: 'u3', system: 'scim', external_id: 'okta-2' },
      ]);
      const columns = (await storage.db.introspection.getTables()).find((t) => t.name === 'users')?.columns.map((c) => c.name) ?? [];
      assert.equal(columns.includes('external_id'), false);
    });
  });
}
