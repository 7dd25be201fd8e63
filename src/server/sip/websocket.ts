import type { Router } from '../http/routes.ts';
import type { Registrar } from './registrar.ts';

/**
 * SIP over WebSocket (RFC 7118) at /sip, subprotocol `sip`: each text frame is one message. Public
 * at the HTTP level: every REGISTER is authenticated by SIP digest.
 */
export function sipWebSocketRoute(router: Router, registrar: Registrar): void {
  router.get('/sip', { websocket: true, config: { access: { public: true } }, schema: { hide: true } }, (socket, request) => {
    if (socket.protocol !== 'sip') return socket.close(1002, 'subprotocol sip required');
    const transport = request.protocol === 'https' ? 'wss' : 'ws';
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      registrar
        .handle(data.toString(), { address: request.ip, port: request.socket.remotePort ?? 0, transport })
        .then((answer) => answer && socket.readyState === socket.OPEN && socket.send(answer))
        .catch((error: unknown) => request.log.error({ err: error }, 'SIP over WebSocket failed'));
    });
  });
}
