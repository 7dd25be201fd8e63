import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { NonceKeeper } from './challenge.ts';

describe('nonce counts', () => {
  it('accepts each count once and only upwards while the nonce is fresh', () => {
    let now = 1_700_000_000_000;
    const nonces = new NonceKeeper(randomBytes(32), 300_000, () => now);
    const nonce = nonces.issue('default');
    assert.equal(nonces.accept(nonce, 1), true);
    assert.equal(nonces.accept(nonce, 1), false, 'a replayed count');
    assert.equal(nonces.accept(nonce, 3), true);
    assert.equal(nonces.accept(nonce, 2), false, 'a count going down');
    // Thousands of other nonces later, up to the last millisecond it can be fresh, its count still holds.
    for (let i = 0; i < 5000; i += 1) {
      now += 60;
      assert.equal(nonces.accept(nonces.issue('default'), 1), true);
    }
    assert.equal(nonces.check(nonce, 'default'), 'ok');
    assert.equal(nonces.accept(nonce, 3), false, 'a replay after many other nonces');
  });

  it('forgets a count only once its nonce is stale, so a replay is refused either way', () => {
    let now = 1_700_000_000_000;
    const nonces = new NonceKeeper(randomBytes(32), 300_000, () => now);
    const nonce = nonces.issue('default');
    assert.equal(nonces.accept(nonce, 1), true);
    now += 300_000;
    nonces.accept(nonces.issue('default'), 1);
    assert.equal(nonces.check(nonce, 'default'), 'ok');
    assert.equal(nonces.accept(nonce, 1), false, 'still remembered while it is fresh');
    now += 1;
    nonces.accept(nonces.issue('default'), 1);
    assert.equal(nonces.check(nonce, 'default'), 'stale', 'the registrar asks again before it asks for the count');
  });
});
