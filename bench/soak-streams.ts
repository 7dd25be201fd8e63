import { WebSocket } from 'ws';

/** What one event stream says: the fields the soak counts by. */
export interface StreamMessage {
  type: string;
  seq: number;
  change?: number;
  userId?: string | null;
  data: any;
}

/** One client of the event stream, as a console or an agent's desktop keeps it: reconnected and resumed whenever closed. */
export interface SoakStream {
  /** The user it signed in as; null for a supervisor, who sees everybody's events. */
  userId: string | null;
  /** The change feed's position when it first joined: every change after it is owed to it. */
  start: number | null;
  /** Every directory change received, in order, repeats included. */
  changes: number[];
  /** Snapshots on resuming that said too many changes were missed (`changesMissed`): the client re-reads. */
  resyncs: number;
  reconnects: number;
}

export interface StreamFleet {
  streams: SoakStream[];
  /** Closes every stream for good. */
  stop(): void;
}

/**
 * Opens one stream per client through `baseUrl`, 250 at a time, each waiting for its snapshot.
 * A stream closed by the server or the load balancer reconnects after 0.2–1.2 s with `since` (the
 * last sequence number) and `changes` (the last change), as test/events-client.ts's callers do.
 */
export async function openStreams(
  baseUrl: string,
  domain: string,
  clients: { token: string; userId: string | null }[],
  onMessage: (message: StreamMessage) => void,
): Promise<StreamFleet> {
  let stopped = false;
  const sockets = new Set<WebSocket>();
  const open = (client: (typeof clients)[number], stream: SoakStream, position: { since?: number; changes?: number }) =>
    new Promise<void>((resolve) => {
      const query = new URLSearchParams(Object.entries(position).flatMap(([key, value]) => (value === undefined ? [] : [[key, String(value)]])));
      const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/api/v1/domains/${domain}/events${query.size ? `?${query}` : ''}`, {
        headers: { authorization: `Bearer ${client.token}` },
      });
      sockets.add(socket);
      let settled = false;
      const settle = () => {
        if (!settled) resolve();
        settled = true;
      };
      socket.on('message', (data) => {
        const message = JSON.parse(data.toString()) as StreamMessage;
        position.since = Math.max(position.since ?? 0, message.seq);
        if (message.type === 'snapshot') {
          stream.start ??= message.data.changes;
          if (message.data.changesMissed) stream.resyncs += 1;
          position.changes = Math.max(position.changes ?? 0, message.data.changes);
          settle();
        } else if (message.type === 'position') {
          // Where a stream that sees only its own events stands in the feed (README, event stream).
          position.changes = Math.max(position.changes ?? 0, message.data.changes);
        } else if (message.change !== undefined) {
          stream.changes.push(message.change);
          position.changes = Math.max(position.changes ?? 0, message.change);
        }
        // Resumed: what was missed comes without a snapshot.
        settle();
        onMessage(message);
      });
      // A refused or cut handshake is followed by 'close', which reconnects.
      socket.on('error', () => undefined);
      socket.once('close', () => {
        sockets.delete(socket);
        settle();
        if (stopped) return;
        stream.reconnects += 1;
        setTimeout(() => !stopped && void open(client, stream, position), 200 + Math.random() * 1000);
      });
    });
  const streams: SoakStream[] = [];
  for (let i = 0; i < clients.length; i += 250) {
    await Promise.all(
      clients.slice(i, i + 250).map((client) => {
        const stream: SoakStream = { userId: client.userId, start: null, changes: [], resyncs: 0, reconnects: 0 };
        streams.push(stream);
        return open(client, stream, {});
      }),
    );
  }
  return {
    streams,
    stop() {
      stopped = true;
      for (const socket of sockets) socket.terminate();
    },
  };
}

/** A change of the feed as the loss check needs it. */
export interface FedChange {
  seq: number;
  userId: string | null;
}

/**
 * Counts, stream by stream, the changes owed to it (made after it first joined, and visible to it:
 * a supervisor sees all, an agent those about itself and those about no user) that it never
 * received, and those it received more than once.
 */
export function checkDelivery(streams: SoakStream[], feed: FedChange[]): { lost: number; repeated: number; streamsLosing: number; owed: number } {
  let lost = 0;
  let repeated = 0;
  let streamsLosing = 0;
  let owed = 0;
  const byUser = new Map<string | null, FedChange[]>();
  for (const change of feed) {
    if (!byUser.has(change.userId)) byUser.set(change.userId, []);
    byUser.get(change.userId)?.push(change);
  }
  for (const stream of streams) {
    const received = new Map<number, number>();
    for (const change of stream.changes) received.set(change, (received.get(change) ?? 0) + 1);
    const visible = stream.userId === null ? feed : [...(byUser.get(null) ?? []), ...(byUser.get(stream.userId) ?? [])];
    const due = visible.filter((c) => c.seq > (stream.start ?? Infinity));
    const missing = due.filter((c) => !received.has(c.seq)).length;
    owed += due.length;
    lost += missing;
    if (missing) streamsLosing += 1;
    repeated += [...received.values()].filter((n) => n > 1).length;
  }
  return { lost, repeated, streamsLosing, owed };
}
