import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { timeOrderedId } from './time-ordered-id.ts';

describe('time-ordered ids', () => {
  it('are UUIDv7 and sort in the order they were made, even within one millisecond', () => {
    const ids = Array.from({ length: 5000 }, () => timeOrderedId(1_800_000_000_000));
    for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(new Set(ids).size, ids.length);
  });
});
