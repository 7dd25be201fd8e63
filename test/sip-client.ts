import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';

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

export const registerRequest = (user: string, host: string, cseq: number, callId: string, extra = '', expires = 300) =>
  [
    `REGISTER sip:${host} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
    `From: <sip:${user}@${host}>;tag=${callId.slice(0, 8)}`,
    `To: <sip:${user}@${host}>`,
    `Call-ID: ${callId}`,
    `CSeq: ${cseq} REGISTER`,
    `Contact: <sip:${user}@127.0.0.1:5099>`,
    `Expires: ${expires}`,
    ...(extra ? [extra] : []),
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');

/**
 * A REGISTER answered with a digest of the chosen algorithm: a client of our own, since Debian's
 * SIPp speaks only MD5. It takes the challenge of that algorithm wherever it stands in the list.
 */
export async function registerWithDigest(port: number, options: { user: string; password: string; host: string; realm: string; algorithm: 'MD5' | 'SHA-256' }): Promise<string> {
  const callId = randomBytes(8).toString('hex');
  const challenge = await exchange(port, registerRequest(options.user, options.host, 1, callId));
  const line = challenge.split('\r\n').find((l) => l.startsWith('WWW-Authenticate:') && l.includes(`algorithm=${options.algorithm}`));
  const nonce = line?.match(/nonce="([^"]+)"/)?.[1];
  if (!nonce) throw new Error(`no ${options.algorithm} challenge in: ${challenge}`);
  const hash = (text: string) => createHash(options.algorithm === 'MD5' ? 'md5' : 'sha256').update(text).digest('hex');
  const uri = `sip:${options.host}`;
  const cnonce = randomBytes(8).toString('hex');
  const ha1 = hash(`${options.user}:${options.realm}:${options.password}`);
  const response = hash(`${ha1}:${nonce}:00000001:${cnonce}:auth:${hash(`REGISTER:${uri}`)}`);
  const authorization = `Authorization: Digest username="${options.user}", realm="${options.realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=${options.algorithm}, cnonce="${cnonce}", qop=auth, nc=00000001`;
  return exchange(port, registerRequest(options.user, options.host, 2, callId, authorization));
}
