import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type Storage } from '../db/connect.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { engines, freshStorage } from '../../../test/databases.ts';
import { Lease } from './lease.ts';
import { takeLease } from './store.ts';

for (const engine of engines) {
  describe(`Leases on ${engine}`, () => {
    let database: Awaited<ReturnType<typeof freshStorage>>;
    let sut: Storage;
    before(async () => {
      database = await freshStorage(engine);
      sut = connect(database.url);
      await migrateToLatest(sut.db);
    });
    after(async () => {
      await sut.close();
      await database.drop();
    });

    it('grants a lease to one of several asking at once, and renews it only for its holder', async () => {
      const now = new Date();
      const until = new Date(now.getTime() + 60_000);
      const answers = await Promise.all(['a', 'b', 'c'].map((holder) => takeLease(sut.db, 'one-of-three', holder, now, until)));
      assert.equal(answers.filter(Boolean).length, 1);
      const holder = ['a', 'b', 'c'][answers.indexOf(true)] as string;
      assert.equal(await takeLease(sut.db, 'one-of-three', holder, now, until), true);
      assert.equal(await takeLease(sut.db, 'one-of-three', holder === 'a' ? 'b' : 'a', now, until), false);
    });

    it('moves a lapsed lease to another holder', async () => {
      const now = new Date();
      assert.equal(await takeLease(sut.db, 'lapsing', 'dead', new Date(now.getTime() - 2000), new Date(now.getTime() - 1000)), true);
      assert.equal(await takeLease(sut.db, 'lapsing', 'alive', now, new Date(now.getTime() + 1000)), true);
      assert.equal(await takeLease(sut.db, 'lapsing', 'dead', now, new Date(now.getTime() + 1000)), false);
    });

    it('is held by one process at a time, and taken over when its holder stops renewing or gives it back', async () => {
      const first = new Lease(sut.db, 'housekeeping-test', 100);
      const second = new Lease(sut.db, 'housekeeping-test', 100);
      try {
        assert.equal(await first.start(), true);
        assert.equal(await second.start(), false);
        await sleep(350);
        assert.equal(first.held, true, 'the holder keeps renewing');
        assert.equal(second.held, false);

        await first.stop();
        assert.equal(await second.renew(), true, 'a lease given back is taken at once');

        // A holder that dies stops renewing: its lease lapses after twice the renewal interval.
        await second.stop();
        assert.equal(await takeLease(sut.db, 'housekeeping-test', 'dead', new Date(), new Date(Date.now() + 200)), true);
        const third = new Lease(sut.db, 'housekeeping-test', 100);
        assert.equal(await third.renew(), false);
        await sleep(250);
        assert.equal(await third.renew(), true);
        await third.stop();
      } finally {
        await Promise.all([first.stop(), second.stop()]);
      }
    });
  });
}
