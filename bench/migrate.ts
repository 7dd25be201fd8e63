/**
 * bench/migrate: a Kamailio subscriber table of 100,000 accounts (Kamailio's own table definition,
 * on this machine's PostgreSQL, ha1 and ha1b as kamctl writes them) moved in through the API's
 * migration, against the CSV import of 100,000 rows posted to the same server in the same run;
 * on SQLite and PostgreSQL. The issue asks the migration for at least half the import's rate.
 * BENCH_MIGRATE_ROWS sets the size (10000 for a quick check).
 * Run: npm run bench:migrate
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { type Engine } from '../src/server/db/connect.ts';
import { kamailioOnPostgres } from '../test/kamailio-tables.ts';
import { signIn, uploadCsv, writeCsv } from './import-file.ts';
import { freshDirectory, seedUsers } from './seed.ts';
import { startServer } from './server-process.ts';

const PASSWORD = 'Bench-Heron-Quartz-61!';
const rows = Number(process.env.BENCH_MIGRATE_ROWS ?? 100_000);

/** Posts the migration of the subscriber table to the default domain; answers its milliseconds, failing unless every account came in. */
async function migrate(base: string, token: string, url: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${base}/api/v1/domains/default/imports/migrations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ source: 'kamailio', url }),
    signal: AbortSignal.timeout(3_600_000),
  });
  const report = (await response.json()) as { created: number; problemCount: number; detail?: string };
  const ms = performance.now() - started;
  if (response.status !== 200 || report.created !== rows)
    throw new Error(`migration: ${response.status} ${report.detail ?? ''} created ${report.created}, ${report.problemCount} problems`);
  return ms;
}

const loadAtStart = loadavg()[0]?.toFixed(1);
const lines: string[] = [];
const dir = await mkdtemp(join(tmpdir(), 'bench-migrate-'));
const kamailio = await kamailioOnPostgres();
// As kamctl would have written them: MD5(user:realm:password) and MD5(user@domain:realm:password).
await kamailio.run(`
  insert into subscriber (username, domain, password, ha1, ha1b)
  select (4000000 + n)::text, 'default', '', md5((4000000 + n)::text || ':default:pass-' || n), md5((4000000 + n)::text || '@default:default:pass-' || n)
  from generate_series(0, ${rows - 1}) as n`);
try {
  for (const engine of (process.env.BENCH_ENGINES ?? 'sqlite,postgres').split(',') as Engine[]) {
    const file = join(dir, `users-${rows}.csv`);
    await writeCsv(file, rows);
    const { database, storage, domain } = await freshDirectory(engine, PASSWORD);
    await seedUsers(storage.db, domain.id, 0);
    const server = await startServer(database.url);
    try {
      const token = await signIn(server.base, 'admin', PASSWORD);
      const csvMs = await uploadCsv(server.base, token, file, rows);
      const migrateMs = await migrate(server.base, token, kamailio.url);
      const rate = (ms: number) => Math.round(rows / (ms / 1000));
      lines.push(
        `| ${engine} | ${rows.toLocaleString('en')} | ${Math.round(csvMs)} ms (${rate(csvMs).toLocaleString('en')}/s) | ${Math.round(migrateMs)} ms (${rate(migrateMs).toLocaleString('en')}/s) | ${(csvMs / migrateMs).toFixed(2)} |`,
      );
    } finally {
      server.child.kill('SIGTERM');
      await storage.close();
      await database.drop();
      await rm(file, { force: true });
    }
  }
} finally {
  await kamailio.drop();
  await rm(dir, { recursive: true, force: true });
}
process.stdout.write(
  [
    `bench/migrate — ${new Date().toISOString().slice(0, 10)}, one POST each: the CSV import (SIP account, agent settings and skill, two groups) and the migration of a Kamailio subscriber table on PostgreSQL (ha1, ha1b kept)`,
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; load average ${loadAtStart} at the start, ${loadavg()[0]?.toFixed(1)} at the end`,
    '',
    '| engine | entries | CSV import | migration | migration rate ÷ import rate (at least 0.5) |',
    '|---|---:|---:|---:|---:|',
    ...lines,
  ].join('\n') + '\n',
);
