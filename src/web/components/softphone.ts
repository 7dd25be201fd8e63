import JsSIP from 'jssip';
import { api } from '../api/client.ts';

export interface Softphone {
  /** For calls: the STUN/TURN servers a call's peer connection uses. */
  iceServers: RTCIceServer[];
  stop(): void;
}

type State = 'registered' | 'failed' | 'off';

/** Why a registration failed, as JsSIP names it: `refused` (403: session ended, address not allowed) or `unreachable`. */
export type Failure = 'refused' | 'unreachable' | 'other';

/**
 * The agent's WebRTC phone: JsSIP registering over the registrar's WebSocket (/sip) as the
 * signed-in user's own account. The WebSocket carries this page's session cookie, and the
 * registrar binds the account for that session: no secret is asked for, and the account's own
 * (which desk phones and other softphones use) is never changed. Several devices register at once.
 */
export async function startSoftphone(onState: (state: State, failure?: Failure) => void): Promise<Softphone> {
  const phone = await api<{ uri: string; websocket: string }>('GET', '/api/v1/me/softphone');
  const { iceServers } = await api<{ iceServers: RTCIceServer[] }>('GET', '/api/v1/me/ice-servers');
  const socketUrl = new URL(phone.websocket, window.location.href);
  socketUrl.protocol = socketUrl.protocol === 'https:' ? 'wss:' : 'ws:';
  const ua = new JsSIP.UA({
    uri: phone.uri,
    sockets: [new JsSIP.WebSocketInterface(socketUrl.href)],
    register: true,
    session_timers: false,
    user_agent: 'Switchboard workspace (JsSIP)',
  });
  ua.on('registered', () => onState('registered'));
  ua.on('registrationFailed', (event: { cause?: string }) => onState('failed', failureOf(event.cause)));
  ua.on('unregistered', () => onState('off'));
  ua.start();
  return { iceServers, stop: () => ua.stop() };
}

function failureOf(cause: string | undefined): Failure {
  if (cause === JsSIP.C.causes.REJECTED || cause === JsSIP.C.causes.AUTHENTICATION_ERROR) return 'refused';
  if (cause === JsSIP.C.causes.CONNECTION_ERROR || cause === JsSIP.C.causes.REQUEST_TIMEOUT) return 'unreachable';
  return 'other';
}
