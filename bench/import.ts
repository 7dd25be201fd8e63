/**
 * bench/import: a CSV of 100,000 users (SIP account with an extension, agent settings and a
 * skill, two groups, no web passwords) posted to the API's import on SQLite and PostgreSQL, timed
 * end to end; then the very rows it wrote are inserted again raw into a fresh domain (the same
 * set-wise writer, one transaction, no checks) in the same run, for the ratio. The server's peak RSS (VmHWM) is
 * read before and after; BENCH_IMPORT_ROWS=100000,1000000 adds bigger files.
 * Run: npm run bench:import
 */
import { startServer } from './server-process.ts';
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { PostgresAdapter, sql } from 'kysely';
import { timeOrderedId } from '../src/server/identifiers/time-ordered-id.ts';
import { type Engine } from '../src/server/db/connect.ts';
import type { Db } from '../src/server/db/schema.ts';
import { insertSetWise } from '../src/server/db/set-wise.ts';
import { signIn, uploadCsv, writeCsv } from './import-file.ts';
import { freshDirectory, seedUsers } from './seed.ts';

const PASSWORD = 'Bench-Heron-Quartz-61!';
const sizes = (process.env.BENCH_IMPORT_ROWS ?? '100000').split(',').map(Number);

/** Resident memory of a process now and at its peak, in MiB, from /proc. */
const memoryOf = (pid: number) => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: Math.round(kib('VmRSS') / 1024), peak: Math.round(kib('VmHWM') / 1024) };
};

const imported = ['users', 'user_roles', 'user_groups', 'sip_accounts', 'extensions', 'agents', 'agent_skills', 'audit_log', 'changes'] as const;

/**
 * The floor: the very rows the import wrote, read back and inserted raw (no checks, the same
 * set-wise writer) into a fresh domain of the same database, in one transaction. Ids are new
 * (users, audit and change entries), so nothing collides with the import's rows and no index
 * holds dead entries of deleted ones.
 */
async function rawInsert(db: Db, domainId: string) {
  const ids = db.selectFrom('users').select('id').where('domain_id', '=', domainId).where('login_key', 'like', 'bench%');
  const rows: Record<string, Record<string, unknown>[]> = {};
  for (const table of imported) {
    const query =
      table === 'users'
        ? db.selectFrom('users').selectAll().where('id', 'in', ids)
        : table === 'audit_log'
          ? db.selectFrom('audit_log').selectAll().where('target_id', 'in', ids)
          : table === 'changes'
            ? db.selectFrom('changes').selectAll().where('resource_id', 'in', ids)
            : db.selectFrom(table).selectAll().where('user_id', 'in', ids);
    rows[table] = (await (query as ReturnType<Db['selectFrom']>).execute()) as Record<string, unknown>[];
  }
  const domain = await db.selectFrom('domains').selectAll().where('id', '=', domainId).executeTakeFirstOrThrow();
  const fresh = timeOrderedId();
  await db
    .insertInto('domains')
    .values({ ...domain, id: fresh, name: `floor-${fresh}` })
    .execute();
  const newIds = new Map((rows.users ?? []).map((u) => [u.id as string, timeOrderedId()]));
  const moved = (row: Record<string, unknown>, table: string) => {
    const copy: Record<string, unknown> = { ...row };
    if ('domain_id' in copy) copy.domain_id = fresh;
    if (table === 'users') copy.id = newIds.get(row.id as string);
    if ('user_id' in copy) copy.user_id = newIds.get(row.user_id as string);
    if (table === 'audit_log') Object.assign(copy, { id: timeOrderedId(), target_id: newIds.get(row.target_id as string) ?? row.target_id });
    if (table === 'changes') Object.assign(copy, { id: timeOrderedId(), resource_id: newIds.get(row.resource_id as string) ?? row.resource_id });
    return copy;
  };
  const prepared = Object.fromEntries(imported.map((table) => [table, (rows[table] ?? []).map((r) => moved(r, table))]));
  if (db.getExecutor().adapter instanceof PostgresAdapter) await sql`vacuum analyze`.execute(db);
  const started = performance.now();
  await db.transaction().execute(async (trx) => {
    for (const table of imported) await insertSetWise(trx, table, prepared[table] ?? []);
  });
  return Math.round(performance.now() - started);
}

const loadAtStart = loadavg()[0]?.toFixed(1);
const lines: string[] = [];
const dir = await mkdtemp(join(tmpdir(), 'bench-import-'));
for (const engine of (process.env.BENCH_ENGINES ?? 'sqlite,postgres').split(',') as Engine[]) {
  for (const rows of sizes) {
    const file = join(dir, `users-${rows}.csv`);
    await writeCsv(file, rows);
    const { database, storage, domain } = await freshDirectory(engine, PASSWORD);
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
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; load average ${loadAtStart} at the start, ${loadavg()[0]?.toFixed(1)} at the end`,
    '',
    '| engine | rows (file) | import | users/s | raw insert of the same rows | server RSS before → peak |',
    '|---|---|---:|---:|---|---|',
    ...lines,
  ].join('\n') + '\n',
);
