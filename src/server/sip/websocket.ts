import { Problem } from '../http/problem.ts';
import type { Router } from '../http/routes.ts';
import { ConnectionWatch, type Admission, type SipConnections } from './connections.ts';
import type { Registrar } from './registrar.ts';

/** 1013 Try Again Later (RFC 6455 registry): the server has no room for this connection now. */
const TRY_AGAIN_LATER = 1013;

/**
 * SIP over WebSocket (RFC 7118) at /sip, subprotocol `sip`: each text frame is one message. Public
 * at the HTTP level: every REGISTER is authenticated by SIP digest. Its connections count with the
 * TCP ones against the same limits, and are bound by the same message and idle clocks.
 */
export function sipWebSocketRoute(router: Router, registrar: Registrar, connections: SipConnections): void {
  router.get('/sip', {
    websocket: true,
    config: { access: { public: true } },
    schema: { hide: true },
    // Refused before the upgrade, as problem+json, while a place is plainly missing.
    preHandler: async (request) => {
      const refused = refusal(connections.wouldAdmit(request.ip));
      if (refused) throw refused;
    },
  }, (socket, request) => {
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
    socket.on('close', () => {
      request.socket.off('data', onData);
      watch.stop();
      connections.release(address);
    });
    socket.on('message', (data, isBinary) => {
      completed();
      if (isBinary) return;
      registrar
        .handle(data.toString(), { ...source, holds })
        .then((answer) => answer && socket.readyState === socket.OPEN && socket.send(answer))
        .catch((error: unknown) => request.log.error({ err: error }, 'SIP over WebSocket failed'));
    });
  });
}

function refusal(admission: Admission): Problem | null {
  if (admission === 'address-full') return new Problem(429, 'sip.too_many_connections', 'This address holds as many SIP connections as it may; close one first');
  if (admission === 'full') return new Problem(503, 'sip.connections_full', 'The server holds as many SIP connections as it may; try again later', undefined, { 'retry-after': '30' });
  return null;
}
