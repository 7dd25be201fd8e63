import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { threadId } from 'node:worker_threads';
import { sql } from 'kysely';
import { connect, type Storage } from '../db/connect.ts';
import { Problem } from '../http/problem.ts';
import { ReaderThreads, readerThreadCount } from './readers.ts';
import { reads } from './sample-reads.ts';
import { siblingModule } from './spawn.ts';

describe('Reader threads on a SQLite file', () => {
  let dir: string;
  let url: string;
  let storage: Storage;
  let readers: ReaderThreads<typeof reads>;

  /** Reads until one is answered by a thread: the first ones run on the server's connection while the thread loads. */
  const threaded = async () => {
    for (let i = 0; i < 200; i += 1) {
      if ((await readers.run('where', undefined)) !== threadId) return;
      await sleep(25);
    }
    throw new Error('no reader thread became ready');
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-readers-'));
    url = `sqlite:${join(dir, 'switchboard.db')}`;
    storage = connect(url);
    readers = new ReaderThreads(reads, siblingModule(import.meta.url, 'sample-reads'), storage.db, url, 2);
  });

  after(async () => {
    await readers.close();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers on the server connection until a thread is ready, then in the thread', async () => {
    assert.equal(await readers.run('where', undefined), threadId, 'the first read does not wait for a thread to load');
    await threaded();
  });

  it('sees what the server committed, on a connection of its own', async () => {
    await threaded();
    await sql`create table notes (text text)`.execute(storage.db);
    await sql`insert into notes values ('committed by the server')`.execute(storage.db);
    assert.deepEqual(await readers.run('notes', undefined), ['committed by the server']);
  });

  it('keeps the event loop free while a read runs long', async () => {
    await threaded();
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 10);
    const where = await readers.run('spin', 400);
    clearInterval(timer);
    assert.notEqual(where, threadId);
    assert.ok(ticks >= 10, `the event loop turned ${ticks} times during a 400 ms read`);
  });

  it('runs reads beside each other, one thread per core', async () => {
    await threaded();
    const answered = await Promise.all([readers.run('spin', 300), readers.run('spin', 300), readers.run('spin', 300), readers.run('spin', 300)]);
    assert.ok(answered.every((where) => where !== threadId));
  });

  it('gives the caller the problem a read refuses with, and a plain error for a bug', async () => {
    await threaded();
    await assert.rejects(
      readers.run('refuse', 'not that'),
      (error: unknown) => error instanceof Problem && error.status === 422 && error.code === 'sample.refused',
    );
    await assert.rejects(readers.run('crash', undefined), /a read failed in its thread: Error: a bug/);
  });

  it('refuses any write: a reader thread only reads', async () => {
    await threaded();
    await assert.rejects(readers.run('write', undefined), /readonly|read-only|query_only|attempt to write/i);
  });
});

describe('Where reads run', () => {
  it('has threads on a SQLite file only: PostgreSQL has a pool, a memory database no second connection', () => {
    assert.ok(readerThreadCount('sqlite:/var/lib/switchboard/switchboard.db', 2) >= 1);
    assert.equal(readerThreadCount('sqlite::memory:', 2), 0);
    assert.equal(readerThreadCount('postgres://127.0.0.1/switchboard', 2), 0);
    assert.equal(readerThreadCount('sqlite:/tmp/a.db', 0), 0);
  });
});
