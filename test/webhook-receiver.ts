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

/** What the receiver answers: a status, or a status with a JSON body (as a CRM gate answers). */
export type Answer = number | { status: number; json: unknown };

/**
 * A webhook receiver on 127.0.0.1 that verifies every request with the `standardwebhooks` package.
 * `answer` picks the answer (default 204), given the request and its parsed body; `received` keeps
 * the requests answered 2xx, `requests` every one. `down()` and `up()` stop and restart it on its port.
 */
export async function startReceiver(options: { answer?: (request: http.IncomingMessage, body: any) => Answer | Promise<Answer>; port?: number } = {}) {
  const received: Received[] = [];
  const requests: Received[] = [];
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
    const entry = { id: String(request.headers['webhook-id']), type: parsed?.type, data: parsed?.data, verified, body, headers: request.headers };
    requests.push(entry);
    const answer = options.answer ? await options.answer(request, parsed) : 204;
    const status = typeof answer === 'number' ? answer : answer.status;
    if (status >= 200 && status < 300) received.push(entry);
    if (response.destroyed) return;
    if (typeof answer !== 'number') return void response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.json));
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
    requests,
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
