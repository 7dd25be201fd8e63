import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { engines, freshStorage } from '../../../../test/databases.ts';
import { connect } from '../connect.ts';
import { migrateToLatest } from '../migrate.ts';
import type { Db } from '../schema.ts';

/** The index definitions of `users`, by name, as the engine keeps them. */
async function usersIndexes(db: Db, engine: string): Promise<Map<string, string>> {
  const { rows } =
    engine === 'postgres'
      ? await sql<{ name: string; definition: string }>`select indexname as name, indexdef as definition from pg_indexes where tablename = 'users'`.execute(db)
      : await sql<{
          name: string;
          definition: string;
        }>`select name, coalesce(sql, '') as definition from sqlite_master where type = 'index' and tbl_name = 'users'`.execute(db);
  return new Map(rows.map((r) => [r.name, r.definition.toLowerCase()]));
}

for (const engine of engines) {
  describe(`users' indexes (${engine})`, () => {
    it('hold deleted users and synced users only, so a bulk change of others adds no entry to them', async () => {
      const database = await freshStorage(engine);
      const storage = connect(database.url);
      try {
        await migrateToLatest(storage.db);
        const indexes = await usersIndexes(storage.db, engine);
        assert.match(indexes.get('users__deleted_at') ?? '', /where .*deleted_at.* is not null/);
        assert.match(indexes.get('users__directory_source_id') ?? '', /where .*directory_source_id.* is not null/);
        if (engine === 'postgres') {
          // One index keeps logins unique and serves the search's walk.
          assert.equal(indexes.has('users__domain_id__login_key'), false);
          assert.match(indexes.get('users__domain_id__login_key__search') ?? '', /^create unique index/);
        }
      } finally {
        await storage.close();
        await database.drop();
      }
    });
  });
}
