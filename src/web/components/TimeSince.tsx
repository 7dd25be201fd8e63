import { useSyncExternalStore } from 'react';

/** One clock for every timer on the page, ticking once a second while anyone listens. */
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | undefined;
let now = Date.now();
const subscribe = (listener: () => void) => {
  listeners.add(listener);
  timer ??= setInterval(() => {
    now = Date.now();
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
  const current = useSyncExternalStore(subscribe, () => now);
  return <time dateTime={since}>{format(Math.max(0, Math.floor((current - Date.parse(since)) / 1000)))}</time>;
}
