import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { ConnectionWatch, type SipConnections } from './connections.ts';
import { MAX_MESSAGE_BYTES } from './message.ts';
import type { Registrar } from './registrar.ts';

export interface SipListeners {
  port: number;
  close(): Promise<void>;
}

/**
 * The registrar on UDP and TCP, on one port. TCP is a byte stream: messages are cut by their
 * Content-Length (RFC 3261 18.3); a connection sending garbage or an oversized message is closed,
 * and so is one past the limits of `connections` (per address, in all, message and idle bounds).
 */
export async function listenSip(registrar: Registrar, connections: SipConnections, host: string, port: number, log: FastifyBaseLogger): Promise<SipListeners> {
  const sockets = new Set<Socket>();
  const tcp = createServer((socket) => {
    const address = socket.remoteAddress ?? '';
    const admission = connections.admit(address);
    if (admission !== 'admitted') {
      log.debug({ source: address, admission }, 'SIP TCP connection refused');
      return void socket.destroy();
    }
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      connections.release(address);
    });
    serveStream(socket, registrar, connections, log);
  });
  await new Promise<void>((resolve, reject) => tcp.once('error', reject).listen(port, host, () => resolve()));
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
    close: () => {
      for (const socket of sockets) socket.destroy();
      return closeBoth(tcp, udp);
    },
  };
}

function serveStream(socket: Socket, registrar: Registrar, connections: SipConnections, log: FastifyBaseLogger) {
  let buffer = Buffer.alloc(0);
  let queue = Promise.resolve();
  const source = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0, transport: 'tcp' as const };
  const watch = new ConnectionWatch(connections.limits, (reason) => {
    log.debug({ source: `${source.address}:${source.port}`, reason }, 'SIP TCP connection closed');
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
        .catch((error: unknown) => log.error({ err: error }, 'SIP over TCP failed'));
    }
  });
}

async function closeBoth(tcp: Server, udp: UdpSocket) {
  await new Promise<void>((resolve) => udp.close(() => resolve()));
  await new Promise<void>((resolve) => tcp.close(() => resolve()));
}
