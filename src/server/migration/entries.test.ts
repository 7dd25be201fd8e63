import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachEngine } from '../../../test/harness.ts';
import { importUsers } from '../import/commands.ts';
import { importQuery } from '../import/schema.ts';
import { systemRequester } from '../setup/bootstrap.ts';
import { findDomain } from '../tenancy/domain-record.ts';
import { safeguardsFor } from '../users/safeguards.ts';
import type { MigrationEntry, SourceItem } from './entry.ts';
import { recordsOf } from './records.ts';

const base = '/api/v1/domains/default';

/** A source yielding these items, as every reader does: one at a time. */
async function* sourceOf(items: SourceItem[]) {
  yield* items;
}

const phone = (username: string, extra: Partial<MigrationEntry> = {}): SourceItem => ({
  entry: { origin: `directory/default/${username}.xml`, username, sip: { password: `pass-of-${username}` }, ...extra },
});

forEachEngine("a migration's entries through the import", (h) => {
  const migrate = async (items: SourceItem[], query: Record<string, string> = {}) => {
    const domain = await findDomain(h().storage.db, 'default');
    if (!domain) throw new Error('no default domain');
    return importUsers(
      h().storage.db,
      systemRequester,
      domain,
      recordsOf(sourceOf(items), domain),
      importQuery.parse(query),
      safeguardsFor(h().storage.db, h().config),
    );
  };

  it('reports two entries with one extension, and an unreadable entry, by their origins, writing nothing of an atomic migration', async () => {
    const report = await migrate([
      phone('desk-a', { extension: '6101' }),
      phone('desk-b', { extension: '6101' }),
      { problem: { origin: 'directory/default/broken.xml', message: 'Not XML: a tag is never closed' } },
      phone('desk-c', { extension: '6102', firstName: 'Clara', callerId: { name: 'Front desk' }, voicemail: { enabled: true, pin: '8531' } }),
    ]);
    assert.deepEqual([report.rows, report.written, report.created], [4, false, 2]);
    assert.deepEqual(
      report.problems.map((p) => [p.origin, p.column, p.code]),
      [
        ['directory/default/broken.xml', 'source', 'import.unreadable_entry'],
        ['directory/default/desk-b.xml', 'extension', 'sip.extension_taken'],
      ],
    );
    assert.equal((await h().admin.get(`${base}/users?q=desk-`)).body.items.length, 0);
  });

  it('writes the valid entries of a partial migration, with what the source told of them', async () => {
    const report = await migrate(
      [
        phone('desk-a', { extension: '6101' }),
        phone('desk-b', { extension: '6101' }),
        phone('desk-c', { extension: '6102', callerId: { name: 'Front desk' } }),
      ],
      { mode: 'partial' },
    );
    assert.deepEqual([report.created, report.problemCount, report.written], [2, 1, true]);
    const desk = (await h().admin.get(`${base}/users?q=desk-c`)).body.items[0];
    assert.deepEqual([desk.sip.extension, desk.sip.username, desk.sip.callerId.name, desk.sip.secretStatus], ['6102', 'desk-c', 'Front desk', 'current']);
    assert.equal(JSON.stringify(report).includes('pass-of-'), false, 'no password in the report');
  });
});
