import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { connect, type Engine } from '../src/server/db/connect.ts';
import { migrateToLatest } from '../src/server/db/migrate.ts';

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
  return createdDatabase();
}

/**
 * A fresh database holding this release's schema and nothing else (what `migrateToLatest` makes
 * of an empty one). On PostgreSQL it is a copy of a template migrated once for these migrations:
 * migrating each test file's database took 1.7 s of the 2.7 s its harness took to start.
 */
export async function migratedStorage(engine: Engine): Promise<{ url: string; drop(): Promise<void> }> {
  if (engine === 'sqlite') {
    const storage = await freshStorage(engine);
    const opened = connect(storage.url);
    await migrateToLatest(opened.db).finally(() => opened.close());
    return storage;
  }
  return createdDatabase(await migratedTemplate());
}

const urlOf = (name: string) => POSTGRES_URL.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);

async function createdDatabase(template?: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `sb_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(template ? `create database ${name} template ${template}` : `create database ${name}`);
  await admin.end();
  return {
    url: urlOf(name),
    drop: async () => {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

/** Templates are named for the schema code they hold: `sb_template_` and a digest of src/server/db. */
const TEMPLATE_PREFIX = 'sb_template_';
/** The advisory lock under which one test process builds a template while the others wait for it. */
const TEMPLATE_LOCK = 0x5b7e_3a11;

/**
 * The template of this schema, built by the first test process that needs it (under an advisory
 * lock, published by a rename so nobody copies a half-built one). It stays after the run, as a
 * build cache; scripts/test.sh drops every template at the end of a full run.
 */
async function migratedTemplate(): Promise<string> {
  const name = `${TEMPLATE_PREFIX}${(digest ??= schemaDigest())}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query('select pg_advisory_lock($1)', [TEMPLATE_LOCK]);
    const found = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount) return name;
    // Left by a process killed while building: started again.
    const building = `${name}_building`;
    await admin.query(`drop database if exists ${building} with (force)`);
    await admin.query(`create database ${building}`);
    const storage = connect(urlOf(building));
    await migrateToLatest(storage.db).finally(() => storage.close());
    await admin.query(`alter database ${building} rename to ${name}`);
    return name;
  } finally {
    await admin.query('select pg_advisory_unlock($1)', [TEMPLATE_LOCK]).catch(() => undefined);
    await admin.end();
  }
}

let digest: string | undefined;

/** A digest of the code the schema comes from: the migrations and what they use, all in src/server/db. */
function schemaDigest(): string {
  const folder = join(import.meta.dirname, '../src/server/db');
  const hash = createHash('sha256');
  const files = readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .sort();
  for (const file of files) hash.update(file).update(readFileSync(join(folder, file)));
  return hash.digest('hex').slice(0, 16);
}
