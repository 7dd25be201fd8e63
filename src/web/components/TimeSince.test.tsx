import { act, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TimeSince } from './TimeSince.tsx';

describe('time in a status', () => {
  beforeEach(() => vi.useFakeTimers({ now: new Date('2026-11-23T10:00:00Z') }));
  afterEach(() => vi.useRealTimers());

  it('counts minutes and seconds, then hours, every second', () => {
    render(<TimeSince since="2026-11-23T09:58:55Z" />);
    expect(screen.getByText('1:05')).toBeTruthy();
    act(() => vi.advanceTimersByTime(3000));
    expect(screen.getByText('1:08')).toBeTruthy();
    render(<TimeSince since="2026-11-23T07:00:00Z" />);
    expect(screen.getByText('3:00:03')).toBeTruthy();
  });
});
