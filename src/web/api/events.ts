import { useEffect, useState } from 'react';
import type { z } from 'zod';
import type { presenceView } from '../../server/presence/schema.ts';

export type Presence = z.infer<typeof presenceView>;

interface LiveEvent {
  type: string;
  seq: number;
  userId?: string | null;
  data: unknown;
}

/**
 * The domain's live event stream (the session cookie signs the WebSocket in): presence by user,
 * kept from the snapshot and every change after it; `onDirectory` hears that users changed.
 * Reconnects after a drop, asking for what it missed.
 */
export function useLiveEvents(domain: string | undefined, onDirectory: () => void) {
  const [presence, setPresence] = useState<Map<string, Presence>>(new Map());
  useEffect(() => {
    if (!domain) return;
    let socket: WebSocket | undefined;
    let last: number | undefined;
    let closed = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const connect = () => {
      const url = new URL(`/api/v1/domains/${encodeURIComponent(domain)}/events${last === undefined ? '' : `?since=${last}`}`, window.location.href);
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      socket = new WebSocket(url);
      socket.onmessage = (message) => {
        const event = JSON.parse(String(message.data)) as LiveEvent;
        last = event.seq;
        if (event.type === 'snapshot') setPresence(new Map((event.data as { presence: Presence[] }).presence.map((p) => [p.userId, p])));
        else if (event.type === 'presence') setPresence((before) => new Map(before).set((event.data as Presence).userId, event.data as Presence));
        else if (event.type === 'directory') onDirectory();
      };
      socket.onclose = () => {
        if (!closed) retry = setTimeout(connect, 2000);
      };
    };
    connect();
    return () => {
      closed = true;
      clearTimeout(retry);
      socket?.close();
    };
  }, [domain, onDirectory]);
  return presence;
}
