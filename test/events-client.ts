import { WebSocket } from 'ws';

export interface EventClient {
  socket: WebSocket;
  messages: { type: string; seq: number; userId?: string | null; change?: number; data: any }[];
  /** Waits until a message matches, answering it. */
  next(match: (message: EventClient['messages'][number]) => boolean, timeoutMs?: number): Promise<EventClient['messages'][number]>;
  close(): Promise<void>;
}

/** Opens the event stream with a bearer token, as a script or another service would. */
export async function openEvents(
  baseUrl: string,
  domain: string,
  token: string,
  /** `ca`: the certificate authority to trust over wss (a test's own). */
  options: { since?: number; changes?: number; autoPong?: boolean; ca?: Buffer } = {},
): Promise<EventClient> {
  const params = new URLSearchParams(
    Object.entries({ since: options.since, changes: options.changes }).flatMap(([key, value]) => (value === undefined ? [] : [[key, String(value)]])),
  );
  const query = params.size ? `?${params}` : '';
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/api/v1/domains/${domain}/events${query}`, {
    headers: { authorization: `Bearer ${token}` },
    autoPong: options.autoPong ?? true,
    ...(options.ca ? { ca: options.ca } : {}),
  });
  const messages: EventClient['messages'] = [];
  const waiters = new Set<() => void>();
  socket.on('message', (data) => {
    messages.push(JSON.parse(data.toString()));
    for (const wake of waiters) wake();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('unexpected-response', (_request, response) => reject(new Error(`event stream refused: ${response.statusCode}`)));
  });
  return {
    socket,
    messages,
    next(match, timeoutMs = 3000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(match);
          if (!found) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching event among ${JSON.stringify(messages).slice(0, 800)}`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (socket.readyState === socket.CLOSED) return resolve();
        socket.once('close', () => resolve());
        socket.close();
      }),
  };
}
