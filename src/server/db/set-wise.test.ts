import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines, freshStorage } from '../../../test/databases.ts';
import { connect, type Storage } from './connect.ts';
import { isUniqueViolation } from './errors.ts';
import { migrateToLatest } from './migrate.ts';
import type { ChangesTable } from './schema.ts';
import { insertSetWise } from './set-wise.ts';

/** Text that COPY's format must escape or could mistake for its own markers. */
const awkward = [
  'tab\there',
  'line\nbreak',
  'carriage\rreturn\r\n',
  'back\\slash',
  'ends with a backslash\\',
  '\\N',
  '\\.',
  '\\',
  '\\\\t',
  '',
  ' ',
  'Zoë Ångström – 東京 – مرحبا – 👩‍💻',
  '"quoted", \'single\'; {braces} [brackets] |pipe|',
  '\u000b\u000c\u0001\u007f',
];

const change = (i: number, text: string | null): ChangesTable => ({
  id: `c-${String(i).padStart(6, '0')}`,
  domain_id: 'one',
  seq: i,
  batch: text,
  at: '2026-11-30T12:00:00.000Z',
  resource_type: 'user',
  // Indexed (changes__resource_id__seq): an index entry holds a few kilobytes at most, as an id does.
  resource_id: `r-${i}`,
  action: 'user.created',
  version: i % 2 ? -2_147_483_648 : 2_147_483_647,
  fields: JSON.stringify([text]),
  actor_id: null,
  actor_login: text ?? '',
});

for (const engine of engines) {
  describe(`set-wise inserts [${engine}]`, () => {
    let storage: Storage;
    let drop: () => Promise<void>;
    before(async () => {
      const database = await freshStorage(engine);
      drop = database.drop;
      storage = connect(database.url);
      await migrateToLatest(storage.db);
      const now = new Date().toISOString();
      await storage.db
        .insertInto('domains')
        .values({ id: 'one', name: 'one', title: null, active: 1, require_two_factor: 0, created_at: now, updated_at: now })
        .execute();
    });
    after(async () => {
      await storage.close();
      await drop();
    });
    const stored = () => storage.db.selectFrom('changes').selectAll().orderBy('id').execute();

    it('reads back every value as written: escapes, markers, unicode, empty text apart from NULL, long text, extreme integers', async () => {
      // Thousands of rows and a long text: they span many of COPY's messages.
      const rows = Array.from({ length: 3000 }, (_, i) => change(i, i % 7 === 0 ? null : (awkward[i % awkward.length] as string)));
      rows.push(change(rows.length, `${'long\t'.repeat(200_000)}end`));
      await storage.db.transaction().execute((trx) => insertSetWise(trx, 'changes', rows as never));
      const back = (await stored()).map((r) => ({ ...r, seq: Number(r.seq) }));
      assert.equal(back.length, rows.length);
      for (let i = 0; i < rows.length; i += 1) assert.deepEqual(back[i], rows[i], `row ${i}`);
      await storage.db.deleteFrom('changes').execute();
    });

    it('surfaces a unique index’s refusal as the INSERT’s, writes nothing, and leaves the connections usable', async () => {
      const rows = Array.from({ length: 3000 }, (_, i) => change(i, 'x'.repeat(100)));
      rows.push(change(1500, 'the same id as an earlier row'));
      await assert.rejects(
        storage.db.transaction().execute((trx) => insertSetWise(trx, 'changes', rows as never)),
        (error: unknown) => isUniqueViolation(error),
      );
      // Every connection of the pool at once: none is left stuck in a COPY.
      const counts = await Promise.all(
        Array.from({ length: 12 }, () =>
          storage.db
            .selectFrom('changes')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow(),
        ),
      );
      assert.deepEqual(new Set(counts.map((c) => Number(c.n))), new Set([0]));
    });

    it('writes in the caller’s transaction: its rows are seen inside it and gone when it rolls back', async () => {
      const rolledBack = new Error('rolled back');
      await assert.rejects(
        storage.db.transaction().execute(async (trx) => {
          await insertSetWise(trx, 'changes', [change(1, 'a'), change(2, 'b')] as never);
          assert.equal((await trx.selectFrom('changes').select('id').execute()).length, 2);
          throw rolledBack;
        }),
        rolledBack,
      );
      assert.deepEqual(await stored(), []);
    });

    it('refuses a value of a kind the columns do not hold, writing nothing', async () => {
      const rows = [change(1, 'fine'), { ...change(2, 'fine'), batch: true }];
      await assert.rejects(storage.db.transaction().execute((trx) => insertSetWise(trx, 'changes', rows as never)));
      assert.deepEqual(await stored(), []);
    });
  });
}
