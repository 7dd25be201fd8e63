import { threadId } from 'node:worker_threads';
import { sql } from 'kysely';
import type { Db } from '../db/schema.ts';
import { Problem } from '../http/problem.ts';

/** Reads for readers.test.ts: where they run, what they see, how they fail. */
export const reads = {
  where: async () => threadId,
  notes: async (db: Db) => (await sql<{ text: string }>`select text from notes order by text`.execute(db)).rows.map((r) => r.text),
  refuse: async (_db: Db, detail: string) => {
    throw new Problem(422, 'sample.refused', detail);
  },
  crash: async () => {
    throw new Error('a bug');
  },
  write: async (db: Db) => sql`create table written (n integer)`.execute(db),
  /** Holds its thread as a long search holds the event loop. */
  spin: async (_db: Db, ms: number) => {
    const until = Date.now() + ms;
    while (Date.now() < until);
    return threadId;
  },
};
