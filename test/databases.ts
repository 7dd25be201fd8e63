import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Engine } from '../src/server/db/connect.ts';

/** Engines under test; SWITCHBOARD_TEST_ENGINES=sqlite narrows a local run. */
export const engines: Engine[] = (process.env.SWITCHBOARD_TEST_ENGINES ?? 'sqlite,postgres').split(',') as Engine[];

const POSTGRES_URL = process.env.SWITCHBOARD_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * A fresh, empty database of the given engine: a temporary SQLite file, or a PostgreSQL database
 * made through the `test` database. `drop` removes it.
 */
export async function freshStorage(engine: Engine): Promise<{ url: string; drop(): Promise<void> }> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-test-'));
    return { url: `sqlite:${join(dir, 'switchboard.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  // A database of its own, not a schema: Kysely's migrator looks at the tables of every schema
  // of its database, and would trip over another test file's schema being dropped.
  const name = `sb_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  return {
    url: POSTGRES_URL.replace(/\/[^/?]*(\?|$)/, `/${name}$1`),
    drop: async () => {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}
