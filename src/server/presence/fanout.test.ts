import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventFanout, type LiveEvent } from './live.ts';

const event = (seq: number, userId: string | null, change?: number): LiveEvent => ({
  seq,
  type: change ? 'directory' : 'presence',
  userId,
  data: {},
  ...(change ? { change } : {}),
});

describe('the event fan-out', () => {
  it('hands a stream of one user its own events and those about nobody, and a stream of everyone every event of its domain', () => {
    const fanout = new EventFanout(10);
    const heard = { ann: [] as number[], bob: [] as number[], all: [] as number[], otherDomain: [] as number[] };
    fanout.subscribe({ domainId: 'd', userId: 'ann', event: (e) => heard.ann.push(e.seq) });
    fanout.subscribe({ domainId: 'd', userId: 'bob', event: (e) => heard.bob.push(e.seq) });
    fanout.subscribe({ domainId: 'd', userId: null, event: (e) => heard.all.push(e.seq) });
    fanout.subscribe({ domainId: 'e', userId: null, event: (e) => heard.otherDomain.push(e.seq) });
    fanout.deliver('d', event(1, 'ann'));
    fanout.deliver('d', event(2, 'bob'));
    fanout.deliver('d', event(3, null));
    assert.deepEqual(heard, { ann: [1, 3], bob: [2, 3], all: [1, 2, 3], otherDomain: [] });
  });

  it('tells the streams of one user where the domain stands once every so many directory changes', () => {
    const fanout = new EventFanout(10, 3);
    const told: [number, number][] = [];
    fanout.subscribe({ domainId: 'd', userId: 'ann', event: () => undefined, position: (seq, change) => told.push([seq, change]) });
    for (let n = 1; n <= 7; n += 1) fanout.deliver('d', event(n, 'bob', 100 + n));
    fanout.deliver('d', event(8, 'bob'));
    assert.deepEqual(told, [
      [3, 103],
      [6, 106],
    ]);
  });

  it('stops handing events to a stream that left', () => {
    const fanout = new EventFanout(10);
    const heard: number[] = [];
    const leave = fanout.subscribe({ domainId: 'd', userId: 'ann', event: (e) => heard.push(e.seq) });
    fanout.deliver('d', event(1, 'ann'));
    leave();
    fanout.deliver('d', event(2, 'ann'));
    assert.deepEqual(heard, [1]);
  });

  it('gives a reconnecting client the events it missed while the last `size` hold them, else says a snapshot is needed', () => {
    const fanout = new EventFanout(5);
    for (let n = 1; n <= 12; n += 1) fanout.deliver('d', event(n, null));
    assert.deepEqual(
      fanout.since('d', 8)?.map((e) => e.seq),
      [9, 10, 11, 12],
    );
    assert.deepEqual(
      fanout.since('d', 7)?.map((e) => e.seq),
      [8, 9, 10, 11, 12],
    );
    assert.equal(fanout.since('d', 6), null, 'event 7 is older than the last five');
    assert.deepEqual(fanout.since('d', 12), []);
  });
});
