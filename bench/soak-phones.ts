import { createHash, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';

/** A seeded phone: its extension (also its SIP username) and its SIP password. */
export interface Phone {
  extension: string;
  password: string;
}

export interface PhoneFleet {
  /** Stops re-registering; registrations under way are let go. */
  stop(): void;
}

const REALM = 'default';
const PHONES_PER_SOCKET = 10;
const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const header = (message: string, name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(message)?.[1]?.trim();

/**
 * Thousands of phones re-registering over UDP, each every `periodMs` (spread evenly over the
 * period), with MD5 digest: REGISTER, 401, REGISTER with credentials, 200. A lean client of its own
 * (a socket per ten phones, answers matched by Call-ID and CSeq): test/sip-client.ts opens a socket per
 * request, too many at this rate. A request unanswered is sent again after 0.5, 1, 2 and 4 s, as
 * a phone does (RFC 3261 timer E); nginx's empty datagram for a refused one is ignored.
 */
export function registerPhones(port: number, phones: Phone[], periodMs: number, onResult: (failure: string | null) => void, onStale: () => void): PhoneFleet {
  const waiting = new Map<string, (answer: string) => void>();
  // A socket per PHONES_PER_SOCKET phones: nginx keeps a UDP session per client address and port
  // for as long as datagrams keep coming, so eight sockets pinned eight sessions, and all their
  // phones, to whichever processes they first reached. Real phones each have an address of their own.
  const sockets: Socket[] = Array.from({ length: Math.max(8, Math.ceil(phones.length / PHONES_PER_SOCKET)) }, () => {
    const socket = createSocket('udp4');
    socket.bind(0, '127.0.0.1');
    socket.on('message', (data) => {
      const text = data.toString();
      if (!text.startsWith('SIP/2.0 ')) return;
      waiting.get(`${header(text, 'Call-ID')} ${header(text, 'CSeq')?.split(' ')[0]}`)?.(text);
    });
    return socket;
  });
  let stopped = false;
  const exchange = (socket: Socket, callId: string, cseq: number, message: string) =>
    new Promise<string>((resolve, reject) => {
      const key = `${callId} ${cseq}`;
      let timer: NodeJS.Timeout | undefined;
      const retries = [500, 1000, 2000, 4000];
      const send = () => {
        const wait = retries.shift();
        if (wait === undefined || stopped) {
          waiting.delete(key);
          return reject(new Error('no SIP answer'));
        }
        socket.send(message, port, '127.0.0.1');
        timer = setTimeout(send, wait);
      };
      waiting.set(key, (answer) => {
        clearTimeout(timer);
        waiting.delete(key);
        resolve(answer);
      });
      send();
    });

  const register = async (phone: Phone, state: { callId: string; cseq: number; ha1: string }, socket: Socket): Promise<string | null> => {
    const request = (cseq: number, authorization?: string) =>
      [
        `REGISTER sip:${REALM} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
        `From: <sip:${phone.extension}@${REALM}>;tag=${state.callId.slice(0, 8)}`,
        `To: <sip:${phone.extension}@${REALM}>`,
        `Call-ID: ${state.callId}`,
        `CSeq: ${cseq} REGISTER`,
        `Contact: <sip:${phone.extension}@127.0.0.1:5099>`,
        'Expires: 300',
        ...(authorization ? [authorization] : []),
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
    const md5Challenge = (answer: string) =>
      answer
        .split('\r\n')
        .find((line) => line.startsWith('WWW-Authenticate:') && line.includes('algorithm=MD5'))
        ?.match(/nonce="([^"]+)", .*?(stale=true)?$/);
    state.cseq += 1;
    let answer = await exchange(socket, state.callId, state.cseq, request(state.cseq));
    // A phone answers a challenge, and answers again once more when told its nonce was stale
    // (stale=true: its count already used, e.g. by a retransmission another process took first).
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const challenge = md5Challenge(answer);
      if (!challenge || (attempt > 0 && !challenge[2])) break;
      if (attempt > 0) onStale();
      const nonce = challenge[1] as string;
      const uri = `sip:${REALM}`;
      const cnonce = randomBytes(8).toString('hex');
      const response = md5(`${state.ha1}:${nonce}:00000001:${cnonce}:auth:${md5(`REGISTER:${uri}`)}`);
      state.cseq += 1;
      answer = await exchange(
        socket,
        state.callId,
        state.cseq,
        request(
          state.cseq,
          `Authorization: Digest username="${phone.extension}", realm="${REALM}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5, cnonce="${cnonce}", qop=auth, nc=00000001`,
        ),
      );
    }
    if (answer.startsWith('SIP/2.0 200 ')) return null;
    return `${answer.split('\r\n')[0]}${md5Challenge(answer)?.[2] ? ' (stale=true twice)' : ''}`;
  };

  const timers: NodeJS.Timeout[] = [];
  phones.forEach((phone, i) => {
    const state = { callId: randomBytes(8).toString('hex'), cseq: 0, ha1: md5(`${phone.extension}:${REALM}:${phone.password}`) };
    const socket = sockets[i % sockets.length] as Socket;
    const once = () => {
      if (stopped) return;
      register(phone, state, socket).then(onResult, (error: Error) => !stopped && onResult(error.message));
    };
    timers.push(
      setTimeout(
        () => {
          once();
          timers.push(setInterval(once, periodMs));
        },
        Math.floor((i * periodMs) / phones.length),
      ),
    );
  });
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.close();
    },
  };
}
