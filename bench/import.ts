/**
 * bench/import: a CSV of 100,000 users (SIP account with an extension, agent settings and a
 * skill, two groups, no web passwords) posted to the API's import on SQLite and PostgreSQL, timed
 * end to end; then the very rows it wrote are deleted and inserted again raw (multi-row INSERTs in
 * one transaction, no checks) in the same run, for the ratio. The server's peak RSS (VmHWM) is
 * read before and after; BENCH_IMPORT_ROWS=100000,1000000 adds bigger files.
 * Run: npm run bench:import
 */
import { startServer } from './server-process.ts';
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { loadConfig } from '../src/server/config.ts';
import { connect, type Engine } from '../src/server/db/connect.ts';
import type { Db } from '../src/server/db/schema.ts';
import { insertSetWise } from '../src/server/db/set-wise.ts';
import { migrateToLatest } from '../src/server/db/migrate.ts';
import { bootstrapDirectory } from '../src/server/setup/bootstrap.ts';
import { findDomain } from '../src/server/tenancy/domain-record.ts';
import { safeguardsFor } from '../src/server/users/safeguards.ts';
import { freshStorage } from '../test/databases.ts';
import { signIn, uploadCsv, writeCsv } from './import-file.ts';
import { seedUsers } from './seed.ts';

const PASSWORD = 'Bench-Heron-Quartz-61!';
const sizes = (process.env.BENCH_IMPORT_ROWS ?? '100000').split(',').map(Number);

/** Resident memory of a process now and at its peak, in MiB, from /proc. */
const memoryOf = (pid: number) => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: Math.round(kib('VmRSS') / 1024), peak: Math.round(kib('VmHWM') / 1024) };
};

const imported = ['users', 'user_roles', 'user_groups', 'user_search_terms', 'sip_accounts', 'extensions', 'agents', 'agent_skills', 'audit_log'] as const;

/** Deletes the rows the import wrote and inserts them again, raw, in one transaction, as fast as the import's own writer does: the floor. */
async function rawInsert(db: Db, domainId: string) {
  const ids = db.selectFrom('users').select('id').where('domain_id', '=', domainId).where('login_key', 'like', 'bench%');
  const rows: Record<string, object[]> = {};
  for (const table of imported) {
    const query =
      table === 'users'
        ? db.selectFrom('users').selectAll().where('id', 'in', ids)
        : table === 'audit_log'
          ? db.selectFrom('audit_log').selectAll().where('target_id', 'in', ids)
          : db.selectFrom(table).selectAll().where('user_id', 'in', ids);
    rows[table] = await (query as ReturnType<Db['selectFrom']>).execute();
  }
  for (const table of [...imported].reverse()) {
    if (table === 'users') await db.deleteFrom('users').where('login_key', 'like', 'bench%').execute();
    else if (table === 'audit_log') await db.deleteFrom('audit_log').where('target_id', 'in', ids).execute();
    else await db.deleteFrom(table).where('user_id', 'in', ids).execute();
  }
  const started = performance.now();
  await db.transaction().execute(async (trx) => {
    for (const table of imported) await insertSetWise(trx, table, (rows[table] ?? []) as Record<string, unknown>[]);
  });
  return Math.round(performance.now() - started);
}

const lines: string[] = [];
const dir = await mkdtemp(join(tmpdir(), 'bench-import-'));
for (const engine of (process.env.BENCH_ENGINES ?? 'sqlite,postgres').split(',') as Engine[]) {
  for (const rows of sizes) {
    const file = join(dir, `users-${rows}.csv`);
    await writeCsv(file, rows);
    const database = await freshStorage(engine);
    const storage = connect(database.url);
    await migrateToLatest(storage.db);
    await bootstrapDirectory(
      storage.db,
      { login: 'admin', password: PASSWORD },
      safeguardsFor(storage.db, loadConfig({ SWITCHBOARD_PWNED_URL: '', SWITCHBOARD_DATA_DIR: tmpdir() })),
    );
    const domain = await findDomain(storage.db, 'default');
    if (!domain) throw new Error('no default domain');
    await seedUsers(storage.db, domain.id, 0);
    const server = await startServer(database.url);
    try {
      const token = await signIn(server.base, 'admin', PASSWORD);
      const before = memoryOf(server.child.pid as number);
      const ms = await uploadCsv(server.base, token, file, rows);
      const after = memoryOf(server.child.pid as number);
      const perSecond = Math.round(rows / (ms / 1000));
      let raw = '';
      if (rows <= 100_000) {
        if (engine === 'postgres') await sql`vacuum analyze`.execute(storage.db);
        const rawMs = await rawInsert(storage.db, domain.id);
        raw = `${rawMs} ms (${Math.round(rows / (rawMs / 1000)).toLocaleString('en')}/s); import takes ${(ms / rawMs).toFixed(1)}×`;
      }
      lines.push(
        `| ${engine} | ${rows.toLocaleString('en')} (${Math.round(statSync(file).size / 2 ** 20)} MiB) | ${Math.round(ms)} ms | ${perSecond.toLocaleString('en')}/s | ${raw || '—'} | ${before.rss} → ${after.peak} MiB |`,
      );
    } finally {
      server.child.kill('SIGTERM');
      await storage.close();
      await database.drop();
      await rm(file, { force: true });
    }
  }
}
await rm(dir, { recursive: true, force: true });
process.stdout.write(
  [
    `bench/import — ${new Date().toISOString().slice(0, 10)}, one POST of the file each (SIP account, agent settings and skill, two groups; no web passwords)`,
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    '',
    '| engine | rows (file) | import | users/s | raw insert of the same rows | server RSS before → peak |',
    '|---|---|---:|---:|---|---|',
    ...lines,
  ].join('\n') + '\n',
);
