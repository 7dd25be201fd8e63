import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { BUSY_WAIT_MS, DatabaseBusy, SKIPPABLE_WAIT_MS, unlessBusy } from './busy.ts';
import { connect } from './connect.ts';

describe('SQLite while another connection holds the write lock', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-busy-'));
  const file = join(dir, 'busy.db');
  const storage = connect(`sqlite:${file}`);
  const other = new SQLite(file);
  other.pragma('journal_mode = WAL');
  after(async () => {
    other.close();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Counts event-loop turns while `work` runs: a synchronous wait would leave almost none. */
  const ticking = async <T>(work: () => Promise<T>) => {
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 10);
    try {
      return { result: await work().catch((error: unknown) => error), ticks };
    } finally {
      clearInterval(timer);
    }
  };

  it('reads at once, waits for a write without blocking the event loop, and writes when the lock is free', async () => {
    await sql`create table notes (id integer primary key, text text)`.execute(storage.db);
    await sql`insert into notes (text) values ('committed')`.execute(storage.db);
    other.exec("begin immediate; insert into notes (text) values ('uncommitted')");
    const read = await sql<{ text: string }>`select text from notes`.execute(storage.db);
    assert.deepEqual(
      read.rows.map((r) => r.text),
      ['committed'],
      'a read sees the last commit',
    );
    setTimeout(() => other.exec('commit'), 300);
    const autocommit = ticking(() => sql`insert into notes (text) values ('waited')`.execute(storage.db));
    const transaction = ticking(() => storage.db.transaction().execute((trx) => sql`insert into notes (text) values ('in a transaction')`.execute(trx)));
    const [single, inTransaction] = await Promise.all([autocommit, transaction]);
    assert.ok(!(single.result instanceof Error), String(single.result));
    assert.ok(!(inTransaction.result instanceof Error), String(inTransaction.result));
    assert.ok(single.ticks >= 10, `the event loop turned ${single.ticks} times while the write waited`);
    const all = await sql<{ text: string }>`select text from notes order by id`.execute(storage.db);
    assert.deepEqual(new Set(all.rows.map((r) => r.text)), new Set(['committed', 'uncommitted', 'waited', 'in a transaction']));
  });

  it(`writes a write that may be skipped once another request's commit frees the lock within ${SKIPPABLE_WAIT_MS} ms`, async () => {
    other.exec('begin immediate');
    setTimeout(() => other.exec('commit'), 2);
    const written = await unlessBusy(() => sql`insert into notes (text) values ('briefly waited')`.execute(storage.db));
    assert.notEqual(written, undefined, 'written, not skipped');
    const rows = await sql<{ text: string }>`select text from notes where text = 'briefly waited'`.execute(storage.db);
    assert.equal(rows.rows.length, 1);
  });

  it(`refuses a write with database.busy after ${BUSY_WAIT_MS} ms, and skips after ${SKIPPABLE_WAIT_MS} ms a write that may be skipped`, async () => {
    other.exec('begin immediate');
    try {
      const skippedAt = performance.now();
      const skipped = await ticking(() => unlessBusy(() => sql`insert into notes (text) values ('skipped')`.execute(storage.db)));
      const skippedAfter = performance.now() - skippedAt;
      assert.equal(skipped.result, undefined);
      assert.ok(skippedAfter < SKIPPABLE_WAIT_MS + 100, `given up after ${Math.round(skippedAfter)} ms, not waited for`);
      const started = performance.now();
      const refused = await ticking(() => sql`insert into notes (text) values ('refused')`.execute(storage.db));
      const waited = performance.now() - started;
      assert.ok(refused.result instanceof DatabaseBusy, String(refused.result));
      assert.equal(refused.result.code, 'database.busy');
      assert.ok(waited >= BUSY_WAIT_MS - 100 && waited < BUSY_WAIT_MS + 1000, `refused after ${Math.round(waited)} ms`);
      assert.ok(refused.ticks > BUSY_WAIT_MS / 20, 'the event loop kept turning');
    } finally {
      other.exec('rollback');
    }
    const rows = await sql<{ text: string }>`select text from notes where text in ('skipped', 'refused')`.execute(storage.db);
    assert.equal(rows.rows.length, 0);
  });
});
