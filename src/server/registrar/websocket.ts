import { SESSION_COOKIE } from '../auth/guard.ts';
import { Problem } from '../http/problem.ts';
import type { Router } from '../deps.ts';
import { TOKEN_PREFIX } from '../tokens/store.ts';
import { ConnectionWatch, type Admission, type SipConnections } from './connections.ts';
import type { Registrar, SessionOwner } from './registrar.ts';

/** 1013 Try Again Later (RFC 6455 registry): the server has no room for this connection now. */
const TRY_AGAIN_LATER = 1013;
/** 1008 Policy Violation: the console session this connection was opened by has ended. */
const SESSION_ENDED = 1008;
/** How often a session-opened connection checks, between its own REGISTERs, that its session lives. */
const SESSION_CHECK_MS = 60_000;

/** The owner of a live console session by its token (the session cookie), or null. */
export type SessionLookup = (token: string) => Promise<SessionOwner | null>;

/**
 * SIP over WebSocket (RFC 7118) at /sip, subprotocol `sip`: each text frame is one message. Public
 * at the HTTP level: a REGISTER is authenticated by SIP digest, or, on a connection opened by a
 * signed-in console page (the session cookie, which the guard accepts on an upgrade only from this
 * site), by that session: the browser phone registers its user's own account with no secret of
 * it, beside the user's desk phones. Such a connection lives only as long as its session: once it
 * ended, the connection is closed and the contacts it bound are removed. Its connections count
 * with the TCP ones against the same limits, and are bound by the same message and idle clocks.
 */
export function sipWebSocketRoute(router: Router, registrar: Registrar, connections: SipConnections, sessionOwner: SessionLookup): void {
  router.get(
    '/sip',
    {
      websocket: true,
      config: { access: { public: true } },
      schema: { hide: true },
      // Refused before the upgrade, as problem+json, while a place is plainly missing.
      preHandler: async (request) => {
        const refused = refusal(connections.wouldAdmit(request.ip));
        if (refused) throw refused;
      },
    },
    (socket, request) => {
      if (socket.protocol !== 'sip') return socket.close(1002, 'subprotocol sip required');
      const address = request.ip;
      if (connections.admit(address) !== 'admitted') return socket.close(TRY_AGAIN_LATER, 'too many SIP connections');
      const source = { address, port: request.socket.remotePort ?? 0, transport: request.protocol === 'https' ? ('wss' as const) : ('ws' as const) };
      const watch = new ConnectionWatch(connections.limits, (reason) => {
        request.log.debug({ source: `${source.address}:${source.port}`, reason }, 'SIP WebSocket closed');
        socket.terminate();
      });
      const holds = (seconds: number) => watch.hold(seconds);
      // ws reads each chunk before this listener sees it: a chunk that completed no frame is part of
      // one still arriving, which must be whole within the message bound.
      let completedInChunk = false;
      const completed = () => {
        completedInChunk = true;
        watch.completed();
      };
      const onData = () => {
        if (!completedInChunk) watch.partial();
        completedInChunk = false;
      };
      request.socket.on('data', onData);
      socket.on('ping', completed);
      socket.on('pong', completed);

      // A console session, if the upgrade carried its cookie and it was live then; checked again at
      // every REGISTER and every minute. The token is never logged.
      const token = request.cookies[SESSION_COOKIE];
      const opener = token && !token.startsWith(TOKEN_PREFIX) ? sessionOwner(token).catch(() => null) : Promise.resolve(null);
      const contacts = new Set<string>();
      let ended = false;
      const sessionOf = (owner: SessionOwner) => async () => {
        const now = await sessionOwner(token as string);
        if (now?.userId === owner.userId) return now;
        ended = true;
        return null;
      };
      const bound = (_owner: SessionOwner, bindings: { uri: string; expires: number }[]) => {
        for (const { uri, expires } of bindings)
          if (expires > 0) contacts.add(uri);
          else contacts.delete(uri);
      };
      const endIfSessionEnded = () => {
        if (ended && socket.readyState === socket.OPEN) socket.close(SESSION_ENDED, 'session ended');
      };
      const checking = setInterval(() => {
        void opener
          .then((owner) => owner && sessionOf(owner)().then(endIfSessionEnded))
          .catch((error: unknown) => request.log.error({ err: error }, 'SIP WebSocket session check failed'));
      }, SESSION_CHECK_MS);
      checking.unref();

      socket.on('close', () => {
        request.socket.off('data', onData);
        watch.stop();
        clearInterval(checking);
        connections.release(address);
        void opener
          .then((owner) => owner && registrar.unbind(owner, [...contacts]))
          .catch((error: unknown) => request.log.error({ err: error }, 'SIP WebSocket contacts not removed'));
      });
      socket.on('message', (data, isBinary) => {
        completed();
        if (isBinary) return;
        opener
          .then((owner) => registrar.handle(data.toString(), { ...source, holds, ...(owner ? { session: sessionOf(owner), bound } : {}) }))
          .then((answer) => {
            if (answer && socket.readyState === socket.OPEN) socket.send(answer);
            endIfSessionEnded();
          })
          .catch((error: unknown) => request.log.error({ err: error }, 'SIP over WebSocket failed'));
      });
    },
  );
}

function refusal(admission: Admission): Problem | null {
  if (admission === 'address-full')
    return new Problem(429, 'sip.too_many_connections', 'This address holds as many SIP connections as it may; close one first');
  if (admission === 'full')
    return new Problem(503, 'sip.connections_full', 'The server holds as many SIP connections as it may; try again later', undefined, { 'retry-after': '30' });
  return null;
}
