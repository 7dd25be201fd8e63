import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { isBusy } from './busy.ts';
import { connect } from './connect.ts';
import { migrateToLatest } from './migrate.ts';
import { signInFileOf, writingSignInFileOnly } from './sign-in-file.ts';

describe('The sign-in file beside an SQLite directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-sign-in-'));
  const file = join(dir, 'switchboard.db');
  const service = connect(`sqlite:${file}`);
  const importer = connect(`sqlite:${file}`, { longWriter: true });
  after(async () => {
    await importer.close();
    await service.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const session = (id: string) => ({ id, user_id: 'u', created_at: 'now', expires_at: 'later', last_seen_at: 'now', user_agent: null, address: null });

  it('is named after the directory file and holds what signing in writes', async () => {
    await migrateToLatest(service.db);
    assert.equal(signInFileOf('/data/switchboard.db'), '/data/switchboard.sign-in.db');
    assert.equal(signInFileOf('/data/directory'), '/data/directory.sign-in');
    assert.ok(existsSync(join(dir, 'switchboard.sign-in.db')));
    const { rows } = await sql<{ name: string }>`select name from sign_in.sqlite_master where type = 'table' order by name`.execute(service.db);
    assert.deepEqual(
      rows.map((r) => r.name),
      ['audit_outbox', 'jobs', 'leases', 'login_failures', 'sessions', 'sso_sessions'],
    );
  });

  it('takes a session while a long writer holds the directory, whose own writes wait', async () => {
    await importer.db.transaction().execute(async (trx) => {
      // Its transaction holds the directory's write lock from its first statement.
      await trx.selectFrom('domains').select('id').execute();
      await writingSignInFileOnly(() => service.db.transaction().execute((t) => t.insertInto('sessions').values(session('s-during')).execute()));
      await service.db
        .insertInto('login_failures')
        .values({ key: 'address:1', failures: 1, lockouts: 0, last_failure_at: 'now', locked_until: null })
        .execute();
      const directoryWrite = await writingSignInFileOnly(() =>
        service.db.transaction().execute((t) => t.updateTable('domains').set({ active: 1 }).where('id', '=', 'none').execute()),
      ).catch((error: unknown) => error);
      assert.ok(isBusy(directoryWrite), 'a sign-in transaction that touched the directory would be refused, not wait');
    });
    const sessions = await service.db.selectFrom('sessions').select('id').execute();
    assert.deepEqual(
      sessions.map((s) => s.id),
      ['s-during'],
    );
  });
});
