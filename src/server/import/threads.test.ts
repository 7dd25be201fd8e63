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
  it('is kept for the next import while it is needed, and let go, with what it held, once idle', async () => {
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
      assert.equal(thread.started, true, 'kept after the import, for the next one');
      const withThread = threadsOfThisProcess();
      await sleep(100);
      assert.equal((await imported('job-soon', 'thread-soon')).created, 1, 'the next import, soon after, runs in it');
      await sleep(800);
      assert.equal(thread.started, false, 'let go once idle');
      assert.ok(threadsOfThisProcess() < withThread, 'the thread ended: its heap and connection are gone with it');
      assert.equal((await imported('job-later', 'thread-later')).created, 1, 'a later import starts a thread again');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
