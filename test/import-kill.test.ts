import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { loadConfig } from '../src/server/config.ts';
import { connect } from '../src/server/db/connect.ts';
import type { Db } from '../src/server/db/schema.ts';
import { migrateToLatest } from '../src/server/db/migrate.ts';
import { bootstrapDirectory } from '../src/server/setup/bootstrap.ts';
import { safeguardsFor } from '../src/server/users/safeguards.ts';
import { engines, freshStorage } from './harness.ts';

const tables = ['users', 'user_roles', 'user_groups', 'user_search_terms', 'sip_accounts', 'extensions', 'agents', 'audit_log'] as const;

/** How many rows each table of the directory has. */
const snapshot = async (db: Db) =>
  Object.fromEntries(
    await Promise.all(tables.map(async (t) => [t, Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(t)}`.execute(db)).rows[0]?.n)])),
  );

for (const engine of engines) {
  describe(`an import killed in the middle [${engine}]`, () => {
    let database: Awaited<ReturnType<typeof freshStorage>>;
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-kill-'));
    before(async () => {
      database = await freshStorage(engine);
      const storage = connect(database.url);
      await migrateToLatest(storage.db);
      await bootstrapDirectory(
        storage.db,
        { login: 'admin', password: 'Grey-Heron-Flies-42!' },
        safeguardsFor(storage.db, loadConfig({ SWITCHBOARD_DATA_DIR: dir, SWITCHBOARD_PWNED_URL: '' })),
      );
      await storage.close();
    });
    after(async () => {
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('leaves the directory exactly as it was before the import', async () => {
      const file = join(dir, 'big.csv');
      const lines = ['login,firstName,lastName,extension,agent'];
      for (let n = 0; n < 60_000; n += 1) lines.push(`killed${n},Agent,No ${n},${400_000 + n},true`);
      writeFileSync(file, `${lines.join('\n')}\n`);
      const storage = connect(database.url);
      const before = await snapshot(storage.db);
      await storage.close();

      const child = spawn('node', ['--import', 'tsx', 'src/cli/main.ts', 'users', 'import', file, '--domain', 'default'], {
        env: { ...process.env, SWITCHBOARD_DATABASE_URL: database.url, SWITCHBOARD_DATA_DIR: dir, SWITCHBOARD_LOG_LEVEL: 'warn', SWITCHBOARD_PWNED_URL: '' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let output = '';
      // Killed once it has written some chunks: the progress lines count created users.
      await new Promise<void>((resolve, reject) => {
        child.stderr.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const created = [...output.matchAll(/([\d,]+) created/g)].map((m) => Number((m[1] as string).replaceAll(',', '')));
          if (created.some((n) => n >= 5000)) resolve();
        });
        child.once('exit', (code) => reject(new Error(`the import ended (${code}) before it could be killed: ${output}`)));
      });
      child.kill('SIGKILL');
      await once(child, 'exit');

      const after = connect(database.url);
      try {
        assert.deepEqual(await snapshot(after.db), before, 'not a row of the import stayed');
        if (engine === 'sqlite')
          assert.equal((await sql<{ integrity_check: string }>`pragma integrity_check`.execute(after.db)).rows[0]?.integrity_check, 'ok');
        const taken = await after.db.selectFrom('extensions').select('number').where('number', '>=', '400000').execute();
        assert.equal(taken.length, 0, 'the extensions are free again');
      } finally {
        await after.close();
      }
    });
  });
}
