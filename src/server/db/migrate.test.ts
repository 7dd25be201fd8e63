import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { migrations } from './migrate.ts';

describe('migrations', () => {
  it('are named so that they sort in the order they are listed, which is the order Kysely applies', () => {
    const names = Object.keys(migrations);
    assert.deepEqual([...names].sort(), names);
  });
});
