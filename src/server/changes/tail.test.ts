import assert from 'node:assert/strict';
import { it } from 'node:test';
import { findDomain } from '../tenancy/domain-record.ts';
import { appendChanges } from './store.ts';
import { FeedTail } from './tail.ts';
import type { ChangeDraft } from './rules.ts';
import { forEachEngine } from '../../../test/harness.ts';

forEachEngine('the feed tail', (h) => {
  it('hears a long backlog page by page, letting the event loop turn between pages', async () => {
    const { db } = h().storage;
    const domain = await findDomain(db, 'default');
    assert.ok(domain);
    const tail = new FeedTail(db, 60_000, (error) => assert.fail(String(error)));
    await tail.start();
    // What an import commits at once: thousands of entries, read back by every process.
    const drafts = Array.from({ length: 2500 }, (_, n): ChangeDraft => ({
      domainId: domain.id,
      resourceType: 'role',
      resourceId: `backlog-${n}`,
      action: 'role.updated',
      version: null,
      fields: ['description'],
      actor: { id: null, login: 'system' },
    }));
    await db.transaction().execute((trx) => appendChanges(trx, drafts));
    // Counts the turns of the event loop while the tail reads: on SQLite each page is read
    // synchronously, so without a turn between pages the whole backlog would be one block.
    let turns = 0;
    let reading = true;
    const spin = () => {
      turns += 1;
      if (reading) setImmediate(spin);
    };
    setImmediate(spin);
    const pages: { size: number; turns: number }[] = [];
    tail.subscribe((_domainId, changes) => pages.push({ size: changes.length, turns }));
    await tail.nudge();
    reading = false;
    await tail.stop();
    assert.deepEqual(
      pages.map((p) => p.size),
      [1000, 1000, 500],
    );
    for (let n = 1; n < pages.length; n += 1)
      assert.ok((pages[n]?.turns ?? 0) > (pages[n - 1]?.turns ?? 0), `the event loop did not turn between pages ${n} and ${n + 1}`);
  });
});
