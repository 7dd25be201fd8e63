import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { sql } from 'kysely';
import { connect } from './connect.ts';
import { refreshStatistics } from './statistics.ts';

it('keeps SQLite’s statistics of each index and forgets its samples of values, which would have every bound statement planned again', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'switchboard-statistics-'));
  const storage = connect(`sqlite:${join(folder, 'directory.db')}`);
  try {
    const { db } = storage;
    await sql`create table calls (agent text not null, queue text not null)`.execute(db);
    await sql`create index calls__agent on calls (agent)`.execute(db);
    await sql`with recursive n(value) as (select 1 union all select value + 1 from n where value < 5000)
      insert into calls (agent, queue) select 'agent-' || (value % 50), 'sales' from n`.execute(db);
    await refreshStatistics(db, 'sqlite', true);
    const stat1 = await sql<{ idx: string }>`select idx from sqlite_stat1 where tbl = 'calls'`.execute(db);
    assert.deepEqual(
      stat1.rows.map((r) => r.idx),
      ['calls__agent'],
    );
    const samples = await sql<{ n: number }>`select count(*) as n from sqlite_stat4`.execute(db);
    assert.equal(samples.rows[0]?.n, 0);
  } finally {
    await storage.close();
    rmSync(folder, { recursive: true, force: true });
  }
});
