import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { onlineByHour, secondsIn } from './report.ts';

const from = new Date('2026-11-23T08:00:00Z');
const to = new Date('2026-11-23T12:00:00Z');

describe('time in each status over a day', () => {
  it('counts from the value held at the start, through each change, to the end', () => {
    const spans = secondsIn(
      new Map([['ann', 'available']]),
      [
        { userId: 'ann', value: 'break', at: '2026-11-23T09:00:00Z' },
        { userId: 'ann', value: 'available', at: '2026-11-23T09:15:00Z' },
        { userId: 'bob', value: 'break', at: '2026-11-23T11:30:00Z' },
      ],
      from,
      to,
    );
    assert.deepEqual(spans, { ann: { available: 3600 + 2.75 * 3600, break: 900 }, bob: { break: 1800 } });
  });

  it('counts who was online in each hour, also across hours and to the end', () => {
    const hours = onlineByHour(
      new Map([['ann', 'online']]),
      [
        { userId: 'ann', value: 'offline', at: '2026-11-23T09:30:00Z' },
        { userId: 'bob', value: 'online', at: '2026-11-23T10:59:00Z' },
      ],
      from,
      to,
    );
    assert.deepEqual(
      hours.map((h) => h.users),
      [1, 1, 1, 1],
    );
    assert.equal(hours[0]?.hour, '2026-11-23T08:00:00.000Z');
  });
});
