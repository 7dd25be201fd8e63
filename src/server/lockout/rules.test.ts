import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { afterFailure, failureDelayMs, lockedFor } from './rules.ts';
import { defaultBruteForceSettings as settings } from './schema.ts';

const at = (seconds: number) => new Date(Date.UTC(2026, 10, 23, 12, 0, seconds));

describe('brute-force rules', () => {
  it('locks a key at the limit of consecutive failures, for the lockout period', () => {
    let record = afterFailure(undefined, 3, settings, at(0));
    record = afterFailure(record, 3, settings, at(1));
    assert.equal(lockedFor(record, at(1)), 0);
    record = afterFailure(record, 3, settings, at(2));
    assert.equal(lockedFor(record, at(2)), settings.lockoutSeconds);
    assert.equal(lockedFor(record, at(2 + settings.lockoutSeconds)), 0);
  });

  it('doubles each further lockout, up to the maximum', () => {
    let record = afterFailure(undefined, 1, settings, at(0));
    record = afterFailure(record, 1, settings, at(1));
    assert.equal(lockedFor(record, at(1)), 2 * settings.lockoutSeconds);
    for (let i = 0; i < 20; i += 1) record = afterFailure(record, 1, settings, at(2));
    assert.equal(lockedFor(record, at(2)), settings.maxLockoutSeconds);
  });

  it('forgets failures older than the window', () => {
    const old = afterFailure(afterFailure(undefined, 3, settings, at(0)), 3, settings, at(1));
    const later = new Date(at(1).getTime() + settings.failureWindowSeconds * 1000);
    assert.equal(afterFailure(old, 3, settings, later).failures, 1);
  });

  it('holds back each failed answer a step longer, up to 3 s', () => {
    assert.equal(failureDelayMs({ failures: 2, lockouts: 0, lastFailureAt: '', lockedUntil: null }, settings), 2 * settings.delayStepMs);
    assert.equal(failureDelayMs({ failures: 99, lockouts: 0, lastFailureAt: '', lockedUntil: null }, settings), 3000);
  });
});
