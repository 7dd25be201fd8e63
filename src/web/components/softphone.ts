import JsSIP from 'jssip';
import { api } from '../api/client.ts';

export interface Softphone {
  /** For calls: the STUN/TURN servers a call's peer connection uses. */
  iceServers: RTCIceServer[];
  stop(): void;
}

type State = 'registered' | 'failed' | 'off';

/**
 * The agent's WebRTC phone: JsSIP registering over the registrar's WebSocket (/sip) with the
 * account's username and realm, the ICE servers the API hands out, and a secret made new for this
 * browser (a WebRTC account's phone is the browser, so renewing it is the user's own right; the
 * secret lives only in this page's memory).
 */
export async function startSoftphone(userPath: string, onState: (state: State, detail?: string) => void): Promise<Softphone> {
  const credentials = await api<{ username: string; realm: string; secret: string }>('POST', `${userPath}/sip/secret`);
  const { iceServers } = await api<{ iceServers: RTCIceServer[] }>('GET', '/api/v1/me/ice-servers');
  const socketUrl = new URL('/sip', window.location.href);
  socketUrl.protocol = socketUrl.protocol === 'https:' ? 'wss:' : 'ws:';
  const ua = new JsSIP.UA({
    uri: `sip:${credentials.username}@${credentials.realm}`,
    password: credentials.secret,
    realm: credentials.realm,
    sockets: [new JsSIP.WebSocketInterface(socketUrl.href)],
    register: true,
    session_timers: false,
    user_agent: 'Switchboard workspace (JsSIP)',
  });
  ua.on('registered', () => onState('registered'));
  ua.on('registrationFailed', (event: { cause?: string }) => onState('failed', event.cause));
  ua.on('unregistered', () => onState('off'));
  ua.start();
  return { iceServers, stop: () => ua.stop() };
}
