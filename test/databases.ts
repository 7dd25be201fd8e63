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
 * A fresh, empty database of the given engine: a temporary SQLite file, or a PostgreSQL schema of
 * its own in the `test` database. `drop` removes it.
 */
export async function freshStorage(engine: Engine): Promise<{ url: string; drop(): Promise<void> }> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-test-'));
    return { url: `sqlite:${join(dir, 'switchboard.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const schema = `sb_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  return {
    url: `${POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    drop: async () => {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`drop schema ${schema} cascade`);
      await client.end();
    },
  };
}

