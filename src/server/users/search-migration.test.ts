import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Migrator, sql, type Kysely } from 'kysely';
import { engines, freshStorage } from '../../../test/databases.ts';
import { connect, type Storage } from '../db/connect.ts';
import { migrateToLatest, migrations } from '../db/migrate.ts';
import { findDomain } from '../tenancy/domain-record.ts';
import { userListQuery } from './schema.ts';
import { listUsers } from './store.ts';

/** Users written by the schema before search by trigrams (no search_text), then migrated. */
for (const engine of engines) {
  describe(`a directory migrated to search by trigrams [${engine}]`, () => {
    let storage: Storage;
    let drop: () => Promise<void>;
    before(async () => {
      const database = await freshStorage(engine);
      drop = database.drop;
      storage = connect(database.url);
      const db = storage.db as unknown as Kysely<any>;
      const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
      const { error } = await migrator.migrateTo('2026-11-30.03-changes-batch-index');
      if (error) throw error;
      const now = new Date().toISOString();
      await db.insertInto('domains').values({ id: 'd1', name: 'default', created_at: now, updated_at: now }).execute();
      const people = [
        ['u1', 'j.kowalski', 'jan.kowalski@acme.pl', 'Jan', 'Kowalski'],
        ['u2', 'z.w', null, 'Zofia', 'Wójcik'],
        ['u3', 'olga.s', null, 'Ольга', 'Шевченко'],
      ] as const;
      for (const [id, login, email, first, last] of people) {
        await db
          .insertInto('users')
          .values({
            id,
            domain_id: 'd1',
            login,
            login_key: login,
            email,
            email_key: email,
            first_name: first,
            last_name: last,
            created_at: now,
            updated_at: now,
          })
          .execute();
      }
      const digest = { ha1_md5: 'x', ha1_sha256: 'x', ha1b_md5: 'x', ha1b_sha256: 'x' };
      await db
        .insertInto('sip_accounts')
        .values({
          user_id: 'u3',
          domain_id: 'd1',
          username: 'olga',
          username_key: 'olga',
          extension: '6903',
          assignment: 'static',
          connection: 'webrtc',
          auth_acl: '[]',
          voicemail_enabled: 0,
          realm: 'default',
          ...digest,
          created_at: now,
          updated_at: now,
        })
        .execute();
      await migrateToLatest(storage.db);
    });
    after(async () => {
      await storage.close();
      await drop();
    });

    const search = async (q: string) => {
      const domain = await findDomain(storage.db, 'default');
      const page = await listUsers(storage.db, domain!, userListQuery.parse({ q }));
      return page.items.map((u) => u.login);
    };

    it('finds the users that were there by their new search text, as newly written ones are', async () => {
      assert.deepEqual(await search('owal'), ['j.kowalski']);
      assert.deepEqual(await search('acme.pl'), ['j.kowalski']);
      assert.deepEqual(await search('wojcik'), ['z.w']);
      assert.deepEqual(await search('шевч'), ['olga.s']);
      assert.deepEqual(await search('shevchenko'), ['olga.s']);
      assert.deepEqual(await search('903'), ['olga.s']);
      assert.deepEqual(await search('z'), ['z.w']);
    });

    it('leaves no word rows behind', async () => {
      const tables =
        engine === 'postgres'
          ? await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema()`.execute(storage.db)
          : await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(storage.db);
      const names = tables.rows.map((r) => r.name);
      assert.ok(!names.includes('user_search_terms'));
      assert.equal(engine === 'sqlite', names.includes('users_search'));
    });
  });
}
