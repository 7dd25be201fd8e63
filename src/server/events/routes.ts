import { setTimeout as sleep } from 'node:timers/promises';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import { actorOf, can, domainOf, type Actor } from '../http/access.ts';
import type { Deps, Router } from '../deps.ts';
import type { LiveEvent } from '../presence/live.ts';
import { lastChange } from '../changes/store.ts';
import { replayOf } from './store.ts';
import { countEventStream } from '../metrics/counters.ts';

const eventsQuery = z.strictObject({
  since: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .describe('The last sequence number received: what came after it is sent first, or a snapshot when too much was missed'),
  changes: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .describe(
      'The last `change` of a directory event received: every directory change after it is sent first, from the change feed (it survives restarts and is the same on every process)',
    ),
});

/** Administrators and supervisors (users:read) see every user's events; everybody else only their own. */
const seesEveryone = (actor: Actor) => can(actor, 'users:read');

/**
 * The live event stream of a domain over WebSocket: a snapshot (or the missed events), then every
 * presence, registration and directory change the caller may see, each with its sequence number.
 * An open stream counts as the user being online; a stream that misses a heartbeat is closed.
 */
export function eventRoutes(router: Router, { db, presence, config }: Deps): void {
  router.get(
    '/api/v1/domains/:domain/events',
    {
      websocket: true,
      config: { access: { permission: 'profile:read' } },
      schema: { tags: ['presence'], summary: 'Live events (WebSocket)', params: z.object({ domain: z.string() }), querystring: eventsQuery },
    },
    (socket, request) => {
      const actor = actorOf(request);
      const domain = domainOf(request);
      const everyone = seesEveryone(actor);
      const visible = (event: Pick<LiveEvent, 'userId'>) => everyone || event.userId === actor.id || event.userId === null;
      const send = (message: unknown) => socket.readyState === socket.OPEN && socket.send(JSON.stringify(message));
      let ready = false;
      let sentUpTo = 0;
      let changesUpTo = 0;
      const early: LiveEvent[] = [];
      // What the fan-out hands over is what this stream shows; replayed changes are read likewise.
      const deliver = (event: LiveEvent) => {
        if (event.change !== undefined) {
          if (event.change <= changesUpTo) return;
          changesUpTo = event.change;
        } else if (event.seq <= sentUpTo) return;
        send(event);
      };
      const unsubscribe = presence.store.events.subscribe({
        domainId: domain.id,
        userId: everyone ? null : actor.id,
        event: (event) => (ready ? deliver(event) : early.push(event)),
        // Told where the domain stands, a stream of one user resumes from there, not from its own last change (before an import, say).
        position: (seq, change) => {
          if (!ready || change <= changesUpTo) return;
          changesUpTo = change;
          send({ type: 'position', seq, data: { changes: change } });
        },
      });
      const alive = keepAlive(socket, config.heartbeatMs);
      socket.once('close', countEventStream());
      const own = actor.domainId === domain.id;
      /** The process this connection is counted on. */
      let owner: string | undefined;
      // Counted on a process taken for dead, it was dropped already: the client reconnects and is counted again.
      const unwatch = presence.onFoundDead((processId) => processId === owner && socket.close(1012, 'reconnect'));

      const joined = (async () => {
        const { since, changes } = request.query as z.infer<typeof eventsQuery>;
        changesUpTo = changes ?? (await lastChange(db, domain.id));
        const audience = everyone ? 'everyone' : { userId: actor.id };
        const replay = changes === undefined ? [] : await replayOf(db, domain.id, changes, audience, config.eventReplayMax);
        // Too many directory changes missed: a snapshot, from which the client re-reads what it shows.
        if (replay === null) changesUpTo = await lastChange(db, domain.id);
        const missed = since === undefined || replay === null ? null : presence.store.events.since(domain.id, since);
        if (missed) {
          // Directory changes come from the feed when the client names where it is in it; else as buffered.
          for (const event of missed) if (visible(event) && (changes === undefined || event.change === undefined)) send(event);
          sentUpTo = Math.max(since ?? 0, missed.at(-1)?.seq ?? 0);
        } else {
          sentUpTo = presence.store.events.lastSeq(domain.id);
          // Someone who sees only themselves gets only their own state: no walk over the whole domain.
          const views = everyone ? [...(await presence.views(domain.id)).values()] : own ? await presence.viewsOf(domain.id, [actor.id]) : [];
          send({ type: 'snapshot', seq: sentUpTo, data: { presence: views, changes: changesUpTo, changesMissed: replay === null } });
        }
        for await (const page of replay ?? []) {
          for (const change of page)
            deliver({
              type: 'directory',
              seq: sentUpTo,
              change: change.seq,
              userId: change.resource.type === 'user' ? change.resource.id : null,
              data: change,
            });
          if (!(await taken(socket))) break;
        }
        ready = true;
        for (const event of early) deliver(event);
        early.length = 0;
        // Connecting is itself a presence change: it comes as an event, after the snapshot.
        if (own) owner = await presence.connect(domain.id, actor.id);
        if (owner !== undefined && owner !== presence.store.processId) socket.close(1012, 'reconnect');
      })().catch((error: unknown) => {
        request.log.error({ err: error }, 'event stream failed');
        socket.close(1011, 'internal error');
      });
      socket.on('close', () => {
        unsubscribe();
        unwatch();
        clearInterval(alive);
        // After the connection was counted, never before: a quick close must not leave a ghost online.
        if (own)
          void joined
            .then(() => (owner === undefined ? undefined : presence.disconnect(domain.id, actor.id, owner)))
            .catch((error: unknown) => request.log.error({ err: error }, 'presence disconnect failed'));
      });
    },
  );
}

/** Over this much unsent, a replay waits before it reads its next page. */
const REPLAY_BACKLOG = 256 * 1024;

/** Whether the client took what it was sent (down to a backlog) while it stays connected: a replay goes no faster than its reader. */
async function taken(socket: WebSocket): Promise<boolean> {
  while (socket.readyState === socket.OPEN && socket.bufferedAmount > REPLAY_BACKLOG) await sleep(20);
  return socket.readyState === socket.OPEN;
}

/** Pings every interval; a socket that did not answer the previous ping is dropped. */
function keepAlive(socket: WebSocket, intervalMs: number): NodeJS.Timeout {
  let answered = true;
  socket.on('pong', () => {
    answered = true;
  });
  const timer = setInterval(() => {
    if (!answered) return socket.terminate();
    answered = false;
    socket.ping();
  }, intervalMs);
  timer.unref();
  return timer;
}
