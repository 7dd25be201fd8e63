import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diff, MASK } from './rules.ts';

describe('audit diff', () => {
  it('lists only fields that differ, ignoring bookkeeping', () => {
    assert.deepEqual(diff({ a: 1, b: [1], version: 1 }, { a: 1, b: [1, 2], version: 2 }), { b: { from: [1], to: [1, 2] } });
  });

  it('treats a missing field as null', () => {
    assert.deepEqual(diff(null, { login: 'x' }), { login: { from: null, to: 'x' } });
    assert.deepEqual(diff({ login: 'x' }, null), { login: { from: 'x', to: null } });
  });

  it('never carries a secret value, only that it changed', () => {
    const changes = diff({ password: 'old' }, { password: 'new' }, ['pin']);
    assert.deepEqual(changes, { password: { from: MASK, to: MASK }, pin: { from: MASK, to: MASK } });
  });
});
