import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { MAX_MESSAGE_BYTES } from './message.ts';
import type { Registrar } from './registrar.ts';

export interface SipListeners {
  port: number;
  close(): Promise<void>;
}

/**
 * The registrar on UDP and TCP, on one port. TCP is a byte stream: messages are cut by their
 * Content-Length (RFC 3261 18.3); a connection sending garbage or an oversized message is closed.
 */
export async function listenSip(registrar: Registrar, host: string, port: number, log: FastifyBaseLogger): Promise<SipListeners> {
  const sockets = new Set<Socket>();
  const tcp = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serveStream(socket, registrar, log);
  });
  await new Promise<void>((resolve, reject) => tcp.once('error', reject).listen(port, host, () => resolve()));
  const bound = (tcp.address() as { port: number }).port;
  const udp = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  udp.on('message', (message, remote) => {
    registrar
      .handle(message.toString('utf8'), { address: remote.address, port: remote.port, transport: 'udp' })
      .then((answer) => answer && udp.send(answer, remote.port, remote.address))
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

function serveStream(socket: Socket, registrar: Registrar, log: FastifyBaseLogger) {
  let buffer = Buffer.alloc(0);
  let queue = Promise.resolve();
  socket.setTimeout(300_000, () => socket.destroy());
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      // Keep-alive CRLFs between messages (RFC 5626) are skipped.
      while (buffer.length >= 2 && buffer[0] === 13 && buffer[1] === 10) buffer = buffer.subarray(2);
      const end = buffer.indexOf('\r\n\r\n');
      if (end === -1) {
        if (buffer.length > MAX_MESSAGE_BYTES) socket.destroy();
        return;
      }
      const head = buffer.subarray(0, end).toString('utf8');
      const length = head.match(/^(?:Content-Length|l)\s*:\s*(\d+)\s*$/im);
      const total = end + 4 + (length ? Number(length[1]) : 0);
      if (total > MAX_MESSAGE_BYTES) return void socket.destroy();
      if (buffer.length < total) return;
      const message = buffer.subarray(0, total).toString('utf8');
      buffer = buffer.subarray(total);
      queue = queue
        .then(() => registrar.handle(message, { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0, transport: 'tcp' }))
        .then((answer) => void (answer && !socket.destroyed && socket.write(answer)))
        .catch((error: unknown) => log.error({ err: error }, 'SIP over TCP failed'));
    }
  });
}

async function closeBoth(tcp: Server, udp: UdpSocket) {
  await new Promise<void>((resolve) => udp.close(() => resolve()));
  await new Promise<void>((resolve) => tcp.close(() => resolve()));
}
