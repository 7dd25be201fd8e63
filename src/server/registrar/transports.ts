import { createSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { createSecureContext, TLSSocket } from 'node:tls';
import type { FastifyBaseLogger } from 'fastify';
import { LISTEN_BACKLOG } from '../http/listen-backlog.ts';
import { addressAllowed } from '../networks/networks.ts';
import { readProxyHeader } from '../proxy-protocol/header.ts';
import type { TlsCredentials } from '../tls/credentials.ts';
import { ConnectionWatch, type SipConnections } from './connections.ts';
import { MAX_MESSAGE_BYTES } from './message.ts';
import type { Registrar, Source } from './registrar.ts';

export interface SipListeners {
  port: number;
  close(): Promise<void>;
}

export interface SipTlsListener extends SipListeners {
  /** Serves new connections with another certificate and key (a renewal), the open ones keeping theirs. */
  renew(credentials: TlsCredentials): void;
}

/**
 * The registrar on UDP and TCP, on one port. TCP is a byte stream: messages are cut by their
 * Content-Length (RFC 3261 18.3); a connection sending garbage or an oversized message is closed,
 * and so is one past the limits of `connections` (per address, in all, message and idle bounds).
 * A connection from one of `trustedProxies` may begin with a PROXY protocol header: the client it
 * names is the source the registrar sees (auth ACL, throttle, contact) and the limits count.
 */
export async function listenSip(
  registrar: Registrar,
  connections: SipConnections,
  host: string,
  port: number,
  log: FastifyBaseLogger,
  trustedProxies: string[] = [],
): Promise<SipListeners> {
  const { server: tcp, close: closeStreams } = streamServer(registrar, connections, log, trustedProxies, 'tcp');
  await new Promise<void>((resolve, reject) => tcp.once('error', reject).listen(port, host, LISTEN_BACKLOG, () => resolve()));
  const bound = (tcp.address() as { port: number }).port;
  const udp = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  udp.on('message', (message, remote) => {
    registrar
      .handle(message.toString('utf8'), { address: remote.address, port: remote.port, transport: 'udp' })
      .then(
        (answer) =>
          answer &&
          udp.send(
            answer,
            remote.port,
            remote.address,
            (error) => error && log.warn({ err: error, source: `${remote.address}:${remote.port}` }, 'SIP answer over UDP not sent'),
          ),
      )
      .catch((error: unknown) => log.error({ err: error }, 'SIP over UDP failed'));
  });
  await new Promise<void>((resolve, reject) => udp.once('error', reject).bind(bound, host, () => resolve()));
  return {
    port: bound,
    close: async () => {
      closeStreams();
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}

/**
 * The registrar over TLS (RFC 3261 26.2: `sips:`, `transport=tls`), framed as over TCP. A PROXY
 * header from a trusted proxy comes before the handshake: the proxy passes TLS through untouched.
 */
export async function listenSipTls(
  registrar: Registrar,
  connections: SipConnections,
  host: string,
  port: number,
  credentials: TlsCredentials,
  log: FastifyBaseLogger,
  trustedProxies: string[] = [],
): Promise<SipTlsListener> {
  let context = createSecureContext(credentials);
  const { server, close } = streamServer(registrar, connections, log, trustedProxies, 'tls', (socket) => {
    const secure = new TLSSocket(socket, { isServer: true, secureContext: context });
    // A handshake that fails is the client's problem (a phone that does not trust the certificate), told at debug.
    secure.on('error', (error) => log.debug({ err: error, source: socket.remoteAddress }, 'SIP TLS connection failed'));
    return secure;
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, LISTEN_BACKLOG, () => resolve()));
  return {
    port: (server.address() as { port: number }).port,
    renew: (renewed) => void (context = createSecureContext(renewed)),
    close: async () => {
      close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A server of SIP over a stream (TCP or TLS as `wrap` makes it): proxy header, admission, framing. */
function streamServer(
  registrar: Registrar,
  connections: SipConnections,
  log: FastifyBaseLogger,
  trustedProxies: string[],
  transport: 'tcp' | 'tls',
  wrap: (socket: Socket) => Socket = (socket) => socket,
): { server: Server; close: () => void } {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    void sourceOfConnection(socket, trustedProxies, connections.limits.messageMs).then(
      (source) => {
        const admission = connections.admit(source.address);
        if (admission !== 'admitted') {
          log.debug({ source: source.address, admission }, `SIP ${transport.toUpperCase()} connection refused`);
          return void socket.destroy();
        }
        socket.on('close', () => connections.release(source.address));
        serveStream(wrap(socket), { ...source, transport }, registrar, connections, log);
      },
      (error: unknown) => {
        log.debug({ err: error, peer: socket.remoteAddress }, 'SIP connection from a trusted proxy closed');
        socket.destroy();
      },
    );
  });
  return {
    server,
    close: () => {
      for (const socket of sockets) socket.destroy();
    },
  };
}

/** The client of a connection: its peer, or the client named by a trusted proxy's PROXY header. */
async function sourceOfConnection(socket: Socket, trustedProxies: string[], timeoutMs: number): Promise<{ address: string; port: number }> {
  const peer = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
  if (!trustedProxies.length || !addressAllowed(peer.address, trustedProxies)) return peer;
  return (await readProxyHeader(socket, timeoutMs)) ?? peer;
}

function serveStream(socket: Socket, source: Source & { transport: 'tcp' | 'tls' }, registrar: Registrar, connections: SipConnections, log: FastifyBaseLogger) {
  let buffer = Buffer.alloc(0);
  let queue = Promise.resolve();
  const watch = new ConnectionWatch(connections.limits, (reason) => {
    log.debug({ source: `${source.address}:${source.port}`, reason }, `SIP ${source.transport.toUpperCase()} connection closed`);
    socket.destroy();
  });
  const holds = (seconds: number) => watch.hold(seconds);
  socket.on('close', () => watch.stop());
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      // Keep-alive CRLFs between messages (RFC 5626) are skipped; they count as activity.
      let kept = false;
      while (buffer.length >= 2 && buffer[0] === 13 && buffer[1] === 10) [buffer, kept] = [buffer.subarray(2), true];
      if (kept) watch.completed();
      const end = buffer.indexOf('\r\n\r\n');
      if (end === -1) {
        if (buffer.length > MAX_MESSAGE_BYTES) return void socket.destroy();
        if (buffer.length > 0) watch.partial();
        return;
      }
      const head = buffer.subarray(0, end).toString('utf8');
      const length = head.match(/^(?:Content-Length|l)\s*:\s*(\d+)\s*$/im);
      const total = end + 4 + (length ? Number(length[1]) : 0);
      if (total > MAX_MESSAGE_BYTES) return void socket.destroy();
      if (buffer.length < total) return void watch.partial();
      const message = buffer.subarray(0, total).toString('utf8');
      buffer = buffer.subarray(total);
      watch.completed();
      queue = queue
        .then(() => registrar.handle(message, { ...source, holds }))
        .then((answer) => void (answer && !socket.destroyed && socket.write(answer)))
        .catch((error: unknown) => log.error({ err: error }, `SIP over ${source.transport.toUpperCase()} failed`));
    }
  });
  // Left paused by a PROXY header's reader, with the bytes after the header put back.
  socket.resume();
}
