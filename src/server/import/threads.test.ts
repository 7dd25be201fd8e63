import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forEachEngine } from '../../../test/harness.ts';
import { systemRequester } from '../setup/bootstrap.ts';
import { findDomain } from '../tenancy/domain-record.ts';
import { csvReader } from './records.ts';
import { importQuery } from './schema.ts';
import { ImportThread } from './threads.ts';

const threadsOfThisProcess = () => readdirSync('/proc/self/task').length;

forEachEngine('The import thread', (h) => {
  it('is kept for the next import while it is needed, and let go, with what it held, once idle', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'import-thread-'));
    const thread = new ImportThread(300);
    const query = importQuery.parse({});
    const domain = await findDomain(h().storage.db, 'default');
    assert.ok(domain);
    const imported = (id: string, login: string) => {
      const file = join(dir, `${id}.csv`);
      writeFileSync(file, `login,firstName,lastName\n${login},Idle,Thread\n`);
      return thread.run({ config: h().config, requester: systemRequester, domain, reader: csvReader(file, query), query, id }, { id });
    };
    try {
      assert.equal((await imported('job-first', 'thread-first')).created, 1);
      const first = thread.threadId;
      assert.notEqual(first, undefined, 'kept after the import, for the next one');
      const withThread = threadsOfThisProcess();
      await sleep(100);
      assert.equal((await imported('job-soon', 'thread-soon')).created, 1);
      assert.equal(thread.threadId, first, 'the next import, soon after, runs in the same thread');
      await sleep(800);
      assert.equal(thread.threadId, undefined, 'let go once idle');
      assert.ok(threadsOfThisProcess() < withThread, 'the thread ended, its heap gone with it');

      // An import asked for the moment the idle thread is let go runs in a new one, untouched by
      // the old one's end.
      assert.equal((await imported('job-later', 'thread-later')).created, 1, 'a later import starts a thread again');
      const letGo = new Promise((resolve) => setTimeout(resolve, 300)).then(() => imported('job-racing', 'thread-racing'));
      assert.equal((await letGo).created, 1);
    } finally {
      await thread.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
