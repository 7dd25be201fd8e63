import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { connect, type Storage } from './connect.ts';
import { migrateToLatest } from './migrate.ts';
import { holdStatements, markWritten, readAhead, remoteSqlite } from './remote.ts';
import type { Db } from './schema.ts';

describe('statements sent to the thread that holds the connection', () => {
  let dir: string;
  let storage: Storage;
  let held: ReturnType<typeof holdStatements>;
  let remote: Db;
  const channel = new MessageChannel();
  const rows = async () => (await sql<{ n: number }>`select n from sent order by n`.execute(storage.db)).rows.map((r) => r.n);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-remote-'));
    storage = connect(`sqlite:${join(dir, 'switchboard.db')}`, { longWriter: true });
    // A long writer's transaction begins by locking the directory's tables (lent-connection.ts).
    await migrateToLatest(storage.db);
    await sql`create table sent (n integer primary key)`.execute(storage.db);
    held = holdStatements(storage.db, channel.port1);
    // Both ends in one thread here; in an import they are two (import/worker.ts, import/checker.ts).
    ({ db: remote } = remoteSqlite(channel.port2));
  });

  after(async () => {
    await held.close();
    channel.port1.close();
    channel.port2.close();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs them in the order sent, in one transaction, and answers reads with the writes before them', async () => {
    const seen = await remote.transaction().execute(async (trx) => {
      for (let n = 1; n <= 3; n += 1) await sql`insert into sent (n) values (${n})`.execute(trx);
      return (await sql<{ count: number }>`select count(*) as count from sent`.execute(trx)).rows[0]?.count;
    });
    assert.equal(seen, 3, 'a read waits for the inserts sent before it');
    assert.deepEqual(await rows(), [1, 2, 3], 'committed');
  });

  it('fails the next statement waited for after an insert nobody waited for failed, and commits nothing of the transaction', async () => {
    await assert.rejects(
      remote.transaction().execute(async (trx) => {
        await sql`insert into sent (n) values (4)`.execute(trx);
        await sql`insert into sent (n) values (1)`.execute(trx);
        await sql`insert into sent (n) values (5)`.execute(trx);
        await sql`select count(*) from sent`.execute(trx);
      }),
      /UNIQUE constraint failed/,
    );
    assert.deepEqual(await rows(), [1, 2, 3], 'rows 4 and 5 rolled back with the transaction');
    await remote.transaction().execute(async (trx) => {
      await sql`insert into sent (n) values (6)`.execute(trx);
    });
    assert.deepEqual(await rows(), [1, 2, 3, 6], 'the next transaction starts clean');
  });

  it('fails the commit itself when the failed insert was the last statement, and rolls back', async () => {
    await assert.rejects(
      remote.transaction().execute(async (trx) => {
        await sql`insert into sent (n) values (7)`.execute(trx);
        await sql`insert into sent (n) values (6)`.execute(trx);
      }),
      /UNIQUE constraint failed/,
    );
    assert.deepEqual(await rows(), [1, 2, 3, 6]);
  });

  it('fails, once cancelled, the statements still queued without running them, and commits nothing', async () => {
    await assert.rejects(
      remote.transaction().execute(async (trx) => {
        await sql`insert into sent (n) values (8)`.execute(trx);
        // Run, this insert would fail the transaction with its own error.
        await sql`insert into sent (n) values (1)`.execute(trx);
        held.cancel(new Error('the import was cancelled'));
        await sql`select count(*) from sent`.execute(trx);
      }),
      /the import was cancelled/,
    );
    assert.deepEqual(await rows(), [1, 2, 3, 6], 'rolled back');
    await remote.transaction().execute(async (trx) => {
      await sql`insert into sent (n) values (9)`.execute(trx);
    });
    assert.deepEqual(await rows(), [1, 2, 3, 6, 9], 'the next transaction is not cancelled');
    await sql`delete from sent where n = 9`.execute(storage.db);
  });

  it('keeps the sender one mark ahead at most: a mark is caught up once the holder has run the one before', async () => {
    await remote.transaction().execute(async (trx) => {
      for (let n = 3000; n < 3100; n += 1) await sql`insert into sent (n) values (${n})`.execute(trx);
      const first = markWritten();
      for (let n = 3100; n < 3200; n += 1) await sql`insert into sent (n) values (${n})`.execute(trx);
      const second = markWritten();
      await second?.caughtUp;
      const { value: count, applied } = await readAhead(
        trx,
        async (db) => (await sql<{ count: number }>`select count(*) as count from sent where n >= 3000`.execute(db)).rows[0]?.count,
      );
      assert.ok(applied >= (first?.mark as number), 'the first mark has run');
      assert.ok(count !== undefined && count >= 100, `the rows before the first mark are written (${count})`);
      await sql`delete from sent where n >= 3000`.execute(trx);
    });
  });

  it('answers a read ahead with the last mark whose writes had all run before it read', async () => {
    await remote.transaction().execute(async (trx) => {
      for (let round = 0; round < 20; round += 1) {
        const first = 100 + round * 50;
        for (let n = first; n < first + 50; n += 1) await sql`insert into sent (n) values (${n})`.execute(trx);
        const mark = markWritten()?.mark as number;
        const { value: count, applied } = await readAhead(
          trx,
          async (db) => (await sql<{ count: number }>`select count(*) as count from sent`.execute(db)).rows[0]?.count,
        );
        const written = 4 + (round + 1) * 50;
        if (applied >= mark) assert.equal(count, written, `round ${round}: the mark was told as run, so every row before it is read`);
        else assert.ok(count !== undefined && count <= written);
      }
    });
    assert.equal((await rows()).length, 4 + 20 * 50);
  });
});
