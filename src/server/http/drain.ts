import type { Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { WebSocket, WebSocketServer } from 'ws';

/**
 * Close code 1012 Service Restart (RFC 6455 registry): this process is going away; connect again,
 * which through the load balancer reaches another. Event streams resume with `?since=`, phones
 * register again.
 */
export const SERVICE_RESTART = 1012;

/**
 * What a stopping process still owes: the work it started (an import, a sync), tracked here as
 * it starts, and whether it is draining, which every answer then says (`Connection: close`) so a
 * load balancer's kept connection moves to another process.
 */
export class Drain {
  readonly #work = new Set<Promise<unknown>>();
  #draining = false;

  get draining(): boolean {
    return this.#draining;
  }

  /** Keeps `work` among what a drain waits for, until it settles. */
  track(work: Promise<unknown>): void {
    this.#work.add(work);
    const forget = () => void this.#work.delete(work);
    work.then(forget, forget);
  }

  begin(): void {
    this.#draining = true;
  }

  /** Resolves once every tracked work settled, including work started meanwhile. */
  async settled(): Promise<void> {
    while (this.#work.size > 0) await Promise.allSettled([...this.#work]);
  }
}

/** The app's drain: from its start, a request that comes on a kept connection is served and closes it. */
export function installDrain(app: FastifyInstance): Drain {
  const drain = new Drain();
  app.addHook('onRequest', (_request, reply, done) => {
    if (drain.draining) reply.raw.setHeader('connection', 'close');
    done();
  });
  return drain;
}

/** What a drain needs of an app: its listener (HTTP or HTTPS) and its WebSocket server. */
type DrainableApp = { server: Pick<Server, 'close' | 'closeIdleConnections' | 'closeAllConnections'>; websocketServer: WebSocketServer };

/**
 * Drains a listening app (SIGTERM): it accepts no new connection, tells every WebSocket client
 * (event streams, SIP over WebSocket) to reconnect elsewhere, and waits for the requests in
 * flight and the tracked work, at most `graceMs`. Past the grace, the connections still open are
 * cut. Answers whether everything finished in time; closing the app afterwards cancels the rest.
 */
export async function drainApp(app: DrainableApp, drain: Drain, graceMs: number): Promise<boolean> {
  drain.begin();
  const closed = new Promise<void>((resolve) => app.server.close(() => resolve()));
  // A connection busy when the listener closed is closed once its answer is sent.
  const idle = setInterval(() => app.server.closeIdleConnections(), 50);
  const restart = (socket: WebSocket) => socket.close(SERVICE_RESTART, 'service restart');
  for (const socket of app.websocketServer.clients) restart(socket);
  // Opened on a kept connection after the drain began: told at once, like the others.
  app.websocketServer.on('connection', restart);
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)));
  const finished = await Promise.race([Promise.all([closed, drain.settled()]).then(() => true as const), graceOver]);
  clearTimeout(timer);
  clearInterval(idle);
  if (!finished) {
    app.server.closeAllConnections();
    for (const socket of app.websocketServer.clients) socket.terminate();
  }
  return finished;
}
