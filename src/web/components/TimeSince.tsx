import { useSyncExternalStore } from 'react';

/** One clock for every timer on the page, ticking once a second while anyone listens. */
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | undefined;
/** The current second: the same value for every read within it, as React wants of a snapshot. */
const currentSecond = () => Math.floor(Date.now() / 1000);
const subscribe = (listener: () => void) => {
  listeners.add(listener);
  timer ??= setInterval(() => {
    for (const l of listeners) l();
  }, 1000);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) {
      clearInterval(timer);
      timer = undefined;
    }
  };
};

const format = (seconds: number) => {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h ? `${h}:` : ''}${String(m).padStart(h ? 2 : 1, '0')}:${String(s).padStart(2, '0')}`;
};

/** Time in a status, ticking every second. */
export function TimeSince({ since }: { since: string }) {
  const second = useSyncExternalStore(subscribe, currentSecond);
  return <time dateTime={since}>{format(Math.max(0, second - Math.floor(Date.parse(since) / 1000)))}</time>;
}
