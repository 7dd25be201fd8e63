/**
 * bench/bulk-statements: where bench/bulk's time goes, statement by statement. The same three
 * operations run in this process through their commands (no HTTP), with every statement's
 * duration as Kysely times it; the rest of an operation's time is JavaScript and the commit.
 * Each operation's CPU time is given too, this process's and PostgreSQL's backends' (from /proc):
 * on a shared machine it moves far less than the wall-clock time does.
 * Run: node --import tsx bench/bulk-statements.ts   (BENCH_ENGINES=postgres, BENCH_SLOWER_MS=5)
 * Add --cpu-prof for the JavaScript's share.
 */
import { sql } from 'kysely';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { freshDirectory, seedUsers } from './seed.ts';
import { observeQueries } from '../src/server/db/query-time.ts';
import { deleteUsersInBulk, restoreUsersInBulk } from '../src/server/bulk-edit/commands.ts';
import { createRange } from '../src/server/range/commands.ts';
import { rangeInput } from '../src/server/range/schema.ts';
import { safeguardsFor } from '../src/server/users/safeguards.ts';
import { loadConfig } from '../src/server/config.ts';
import { allPermissions } from '../src/server/permissions/catalog.ts';
import type { Engine } from '../src/server/db/connect.ts';
import type { Db } from '../src/server/db/schema.ts';

const USERS = 20_000;
const BULK = 10_000;
const shownFrom = Number(process.env.BENCH_SLOWER_MS ?? 5);

let statements: { ms: number; sql: string }[] = [];
observeQueries((_engine, seconds, _failed, text) => void statements.push({ ms: seconds * 1000, sql: text.replace(/\s+/g, ' ') }));

/** CPU milliseconds (user and system) a process has used, by its /proc entry; 0 once it is gone. */
function cpuMsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime, in clock ticks of 10 ms (getconf CLK_TCK: 100).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** The CPU milliseconds this database's PostgreSQL backends have used, by process id. */
async function backendsCpu(db: Db, engine: Engine): Promise<Map<number, number>> {
  if (engine !== 'postgres') return new Map();
  const { rows } = await sql<{ pid: number }>`select pid from pg_stat_activity where datname = current_database()`.execute(db);
  return new Map(rows.map((r) => [r.pid, cpuMsOf(r.pid)]));
}

async function timed(db: Db, engine: Engine, name: string, run: () => Promise<unknown>) {
  const backendsBefore = await backendsCpu(db, engine);
  statements = [];
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await run();
  const total = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  let backends = 0;
  for (const [pid, ms] of await backendsCpu(db, engine)) backends += ms - (backendsBefore.get(pid) ?? 0);
  const inStatements = statements.reduce((sum, s) => sum + s.ms, 0);
  console.log(
    `\n${engine} ${name}: ${Math.round(total)} ms, of which ${statements.length} statements ${Math.round(inStatements)} ms;` +
      ` CPU ${Math.round((cpu.user + cpu.system) / 1000)} ms here${engine === 'postgres' ? `, ${Math.round(backends)} ms in PostgreSQL` : ''}`,
  );
  // Statements of one text (a table's chunks) summed, in the order they first ran.
  const byText = new Map<string, { ms: number; count: number }>();
  for (const s of statements) {
    const key = s.sql.slice(0, 100);
    const seen = byText.get(key) ?? { ms: 0, count: 0 };
    byText.set(key, { ms: seen.ms + s.ms, count: seen.count + 1 });
  }
  for (const [text, { ms, count }] of byText)
    if (ms >= shownFrom) console.log(`${Math.round(ms).toString().padStart(6)} ms ${`×${count}`.padStart(4)}  ${text}`);
}

for (const engine of (process.env.BENCH_ENGINES ?? 'sqlite,postgres').split(',') as Engine[]) {
  const { database, storage, domain } = await freshDirectory(engine, 'Bench-Heron-Quartz-61!');
  try {
    const ids = await seedUsers(storage.db, domain.id, USERS);
    if (engine === 'postgres') await sql`vacuum analyze`.execute(storage.db);
    const admin = await storage.db.selectFrom('users').select('id').where('login', '=', 'admin').executeTakeFirstOrThrow();
    const actor = { id: admin.id, login: 'admin', platformAdmin: true, permissions: new Set(allPermissions) };
    const guards = safeguardsFor(storage.db, loadConfig({ SWITCHBOARD_PWNED_URL: '', SWITCHBOARD_DATA_DIR: tmpdir() }));
    const chosen = ids.slice(0, BULK);
    await timed(storage.db, engine, `bulk delete of ${BULK}`, () => deleteUsersInBulk(storage.db, actor, domain, { ids: chosen }, BULK));
    await timed(storage.db, engine, `bulk restore of ${BULK}`, () => restoreUsersInBulk(storage.db, actor, domain, { ids: chosen }));
    const range = rangeInput.parse({
      from: '500000',
      to: String(500000 + BULK - 1),
      template: { roles: ['agent'], groups: ['Sales'], agent: { enabled: true, wrapUpTime: 20 }, sip: { connection: 'webrtc' } },
    });
    await timed(storage.db, engine, `range creation of ${BULK}`, () => createRange(storage.db, actor, domain, range, guards));
  } finally {
    await storage.close();
    await database.drop();
  }
}
