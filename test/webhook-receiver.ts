import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  id: string;
  type: string;
  data: any;
  /** Whether the signature verified with the secret the receiver was given (the Standard Webhooks library). */
  verified: boolean;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/**
 * A webhook receiver on 127.0.0.1 that verifies every request with the `standardwebhooks` package.
 * `answer` picks the status (default 204); `down()` and `up()` stop and restart it on its port.
 */
export async function startReceiver(options: { answer?: (request: http.IncomingMessage) => number | Promise<number>; port?: number } = {}) {
  const received: Received[] = [];
  let secret: string | undefined;
  let connections = 0;
  const server = http.createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    let verified = false;
    try {
      if (secret) {
        new Webhook(secret).verify(body, request.headers as Record<string, string>);
        verified = true;
      }
    } catch {
      verified = false;
    }
    const parsed = safeParse(body);
    const status = options.answer ? await options.answer(request) : 204;
    if (status >= 200 && status < 300)
      received.push({ id: String(request.headers['webhook-id']), type: parsed?.type, data: parsed?.data, verified, body, headers: request.headers });
    if (response.destroyed) return;
    response.writeHead(status, status >= 300 && status < 400 ? { location: '/elsewhere' } : {}).end();
  });
  server.on('connection', () => (connections += 1));
  server.keepAliveTimeout = 500;
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    get connections() {
      return connections;
    },
    trust(signingSecret: string) {
      secret = signingSecret;
    },
    async down() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
    async up() {
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
    },
    async close() {
      if (!server.listening) return;
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
    /** Waits until `ready()` holds, checking every 20 ms for at most `ms`. */
    async until(ready: () => boolean, ms = 10_000) {
      for (const deadline = Date.now() + ms; !ready();) {
        if (Date.now() > deadline)
          throw new Error(`the receiver did not get what was expected within ${ms} ms; it got ${received.length}: ${received.map((r) => r.type).join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

function safeParse(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
