import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines, freshStorage } from '../../../test/databases.ts';
import { connect, type Storage } from './connect.ts';
import { migrateToLatest } from './migrate.ts';
import { prepared } from './prepared.ts';

const domainByName = prepared<{ name: string }, { id: string; name: string }>((db, param) =>
  db.selectFrom('domains').select(['id', 'name']).where('name', '=', param('name')),
);

for (const engine of engines) {
  describe(`prepared queries [${engine}]`, () => {
    let storage: Storage;
    let drop: () => Promise<void>;
    before(async () => {
      const database = await freshStorage(engine);
      drop = database.drop;
      storage = connect(database.url);
      await migrateToLatest(storage.db);
      const now = new Date().toISOString();
      for (const name of ['one', 'two'])
        await storage.db
          .insertInto('domains')
          .values({ id: name, name, title: null, active: 1, require_two_factor: 0, created_at: now, updated_at: now })
          .execute();
    });
    after(async () => {
      await storage.close();
      await drop();
    });

    it('runs the same compiled query with each call’s values', async () => {
      assert.deepEqual(await domainByName(storage.db, { name: 'one' }), [{ id: 'one', name: 'one' }]);
      assert.deepEqual(await domainByName(storage.db, { name: 'two' }), [{ id: 'two', name: 'two' }]);
      assert.deepEqual(await domainByName(storage.db, { name: 'three' }), []);
    });

    it('refuses a query with a value baked in, which would silently never change', () => {
      const baked = prepared<{ name: string }, unknown>((db) => db.selectFrom('domains').select('id').where('name', '=', 'fixed'));
      return assert.rejects(baked(storage.db, { name: 'one' }), /literal parameter/);
    });
  });
}
