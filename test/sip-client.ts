import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';

/** Sends one SIP message over UDP from `localAddress` and answers the first reply. */
export async function exchange(port: number, message: string, localAddress = '127.0.0.1', timeoutMs = 3000, localPort = 0): Promise<string> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(localPort, localAddress, resolve));
  try {
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no SIP answer')), timeoutMs);
      socket.once('message', (data) => {
        clearTimeout(timer);
        resolve(data.toString());
      });
      socket.send(message, port, '127.0.0.1');
    });
  } finally {
    socket.close();
  }
}

export const registerRequest = (
  user: string,
  host: string,
  cseq: number,
  callId: string,
  extra = '',
  expires = 300,
  contacts = [`<sip:${user}@127.0.0.1:5099>`],
) =>
  [
    `REGISTER sip:${host} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
    `From: <sip:${user}@${host}>;tag=${callId.slice(0, 8)}`,
    `To: <sip:${user}@${host}>`,
    `Call-ID: ${callId}`,
    `CSeq: ${cseq} REGISTER`,
    ...contacts.map((contact) => `Contact: ${contact}`),
    `Expires: ${expires}`,
    ...(extra ? [extra] : []),
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');

export interface DigestRegistration {
  user: string;
  password: string;
  host: string;
  realm: string;
  algorithm: 'MD5' | 'SHA-256';
  /** Contact header values; one `<sip:user@127.0.0.1:5099>` unless given. */
  contacts?: string[];
  expires?: number;
  /** How the two requests travel: UDP to `port` unless given (a SIP stream over TCP, say). */
  send?: (message: string) => Promise<string>;
}

/**
 * A REGISTER answered with a digest of the chosen algorithm: a client of our own, since Debian's
 * SIPp speaks only MD5. It takes the challenge of that algorithm wherever it stands in the list.
 */
export async function registerWithDigest(port: number, options: DigestRegistration): Promise<string> {
  const send = options.send ?? ((message: string) => exchange(port, message));
  const callId = randomBytes(8).toString('hex');
  const request = (cseq: number, authorization = '') =>
    registerRequest(options.user, options.host, cseq, callId, authorization, options.expires, options.contacts);
  const challenge = await send(request(1));
  const line = challenge.split('\r\n').find((l) => l.startsWith('WWW-Authenticate:') && l.includes(`algorithm=${options.algorithm}`));
  const nonce = line?.match(/nonce="([^"]+)"/)?.[1];
  if (!nonce) throw new Error(`no ${options.algorithm} challenge in: ${challenge}`);
  const hash = (text: string) =>
    createHash(options.algorithm === 'MD5' ? 'md5' : 'sha256')
      .update(text)
      .digest('hex');
  const uri = `sip:${options.host}`;
  const cnonce = randomBytes(8).toString('hex');
  const ha1 = hash(`${options.user}:${options.realm}:${options.password}`);
  const response = hash(`${ha1}:${nonce}:00000001:${cnonce}:auth:${hash(`REGISTER:${uri}`)}`);
  return send(
    request(
      2,
      `Authorization: Digest username="${options.user}", realm="${options.realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=${options.algorithm}, cnonce="${cnonce}", qop=auth, nc=00000001`,
    ),
  );
}

/** A SIP connection over TCP: requests answered one at a time, and when the server closed it. */
export interface SipStream {
  socket: Socket;
  send(message: string, timeoutMs?: number): Promise<string>;
  /** Resolves with the milliseconds from connecting to the server closing the connection. */
  closed: Promise<number>;
}

export async function openSipStream(port: number, localAddress = '127.0.0.1'): Promise<SipStream> {
  const socket = connect({ port, host: '127.0.0.1', localAddress });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return sipStreamOver(socket);
}

/** A SIP stream over a connection already open (TCP, TLS, or TCP begun with a PROXY header). */
export function sipStreamOver(socket: Socket): SipStream {
  const opened = Date.now();
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - opened)));
  socket.on('error', () => socket.destroy());
  let received = '';
  let waiting: (() => void) | undefined;
  socket.on('data', (chunk) => {
    received += chunk.toString('utf8');
    waiting?.();
  });
  const send = (message: string, timeoutMs = 3000) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no SIP answer over TCP')), timeoutMs);
      waiting = () => {
        const end = received.indexOf('\r\n\r\n');
        if (end === -1) return;
        const answer = received.slice(0, end + 4);
        received = received.slice(end + 4);
        clearTimeout(timer);
        waiting = undefined;
        resolve(answer);
      };
      socket.write(message);
    });
  return { socket, send, closed };
}
