import assert from 'node:assert/strict';
import { it } from 'node:test';
import { appendChanges } from '../changes/store.ts';
import { forEachEngine } from '../../../test/harness.ts';
import { lockDomain } from './domain-record.ts';

const within = <T>(work: Promise<T>, ms: number) =>
  Promise.race([work.then(() => 'done' as const), new Promise<'waiting'>((resolve) => setTimeout(() => resolve('waiting'), ms))]);

forEachEngine('the domain lock of writers picking free extensions', (h) => {
  it('makes a second picker wait, but no write that merely belongs to the domain (its foreign-key check)', async (t) => {
    if (h().engine !== 'postgres') return t.skip('SQLite runs one transaction at a time');
    const db = h().storage.db;
    const domainId = (await db.selectFrom('domains').select('id').where('name', '=', 'default').executeTakeFirstOrThrow()).id;
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked = () => {};
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    const picker = db.transaction().execute(async (trx) => {
      await lockDomain(trx, domainId);
      locked();
      await held;
    });
    await lockTaken;
    const draft = {
      domainId,
      resourceType: 'role',
      resourceId: 'bystander',
      action: 'role.updated',
      version: null,
      fields: ['description'],
      actor: { id: null, login: 'system' },
    };
    const bystander = db.transaction().execute((trx) => appendChanges(trx, [draft]));
    const secondPicker = db.transaction().execute((trx) => lockDomain(trx, domainId));
    const [bystanderOutcome, pickerOutcome] = await Promise.all([within(bystander, 2000), within(secondPicker, 500)]);
    release();
    await Promise.all([picker, bystander, secondPicker]);
    assert.equal(bystanderOutcome, 'done', 'a write of the domain did not wait for the picker to commit');
    assert.equal(pickerOutcome, 'waiting', 'a second picker waited for the first');
  });
});
