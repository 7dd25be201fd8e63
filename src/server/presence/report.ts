/** One change of a dimension of a user's live state, as status_history keeps it. */
export interface Change {
  userId: string;
  value: string;
  at: string;
}

/** Stretches of time each user spent in each value, between `from` and `to`. */
export interface Spans {
  [userId: string]: { [value: string]: number };
}

/**
 * Seconds each user spent in each value of a dimension within [from, to): `before` is the value
 * each user had at `from` (their last change before it), `changes` those within, in time order.
 */
export function secondsIn(before: Map<string, string>, changes: Change[], from: Date, to: Date): Spans {
  const spans: Spans = {};
  const current = new Map(before);
  const since = new Map([...before.keys()].map((user) => [user, from.getTime()]));
  const close = (user: string, until: number) => {
    const value = current.get(user);
    const start = since.get(user);
    if (value === undefined || start === undefined || until <= start) return;
    const userSpans = (spans[user] ??= {});
    userSpans[value] = (userSpans[value] ?? 0) + (until - start) / 1000;
  };
  for (const change of changes) {
    const at = Math.min(Math.max(Date.parse(change.at), from.getTime()), to.getTime());
    close(change.userId, at);
    current.set(change.userId, change.value);
    since.set(change.userId, at);
  }
  for (const user of current.keys()) close(user, to.getTime());
  for (const user of Object.keys(spans))
    for (const value of Object.keys(spans[user] ?? {}))
      (spans[user] as Record<string, number>)[value] = Math.round((spans[user] as Record<string, number>)[value] as number);
  return spans;
}

/** How many users were online at some moment of each hour of [from, to). */
export function onlineByHour(before: Map<string, string>, changes: Change[], from: Date, to: Date): { hour: string; users: number }[] {
  const hours: { hour: string; users: Set<string> }[] = [];
  for (let t = from.getTime(); t < to.getTime(); t += 3_600_000) hours.push({ hour: new Date(t).toISOString(), users: new Set() });
  const mark = (user: string, start: number, end: number) => {
    for (const [index, bucket] of hours.entries()) {
      const bucketStart = from.getTime() + index * 3_600_000;
      if (start < bucketStart + 3_600_000 && end > bucketStart) bucket.users.add(user);
    }
  };
  const onlineSince = new Map([...before].filter(([, v]) => v === 'online').map(([user]) => [user, from.getTime()]));
  for (const change of changes) {
    const at = Date.parse(change.at);
    const start = onlineSince.get(change.userId);
    if (change.value === 'online' && start === undefined) onlineSince.set(change.userId, at);
    if (change.value !== 'online' && start !== undefined) {
      mark(change.userId, start, at);
      onlineSince.delete(change.userId);
    }
  }
  for (const [user, start] of onlineSince) mark(user, start, to.getTime());
  return hours.map((h) => ({ hour: h.hour, users: h.users.size }));
}
