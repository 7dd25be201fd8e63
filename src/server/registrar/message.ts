/**
 * The little of SIP (RFC 3261) a registrar needs: parsing a message into start line, headers and
 * body, and writing responses. Anything malformed throws `MalformedMessage`; callers drop it or
 * answer 400 when they can.
 */

export class MalformedMessage extends Error {}

export interface SipRequest {
  method: string;
  uri: string;
  /** Header values by lower-case full name, in order; comma-separated lists (Via, Contact) split. */
  headers: Map<string, string[]>;
  body: string;
}

const compact: Record<string, string> = {
  v: 'via',
  f: 'from',
  t: 'to',
  i: 'call-id',
  m: 'contact',
  l: 'content-length',
  c: 'content-type',
  k: 'supported',
  s: 'subject',
  e: 'content-encoding',
  o: 'event',
};
const listHeaders = new Set(['via', 'contact', 'allow', 'supported', 'require', 'proxy-require', 'unsupported', 'route', 'record-route']);
export const MAX_MESSAGE_BYTES = 65_535;

/** Splits at commas outside quotes and angle brackets. */
export function splitList(value: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i += 1) {
    const c = value[i];
    if (c === '"' && value[i - 1] !== '\\') quoted = !quoted;
    else if (!quoted && c === '<') depth += 1;
    else if (!quoted && c === '>') depth = Math.max(0, depth - 1);
    else if (!quoted && depth === 0 && c === ',') {
      parts.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(value.slice(start).trim());
  return parts.filter(Boolean);
}

/** Parses one request; responses and anything else are malformed for a registrar. */
export function parseRequest(text: string): SipRequest {
  if (text.length > MAX_MESSAGE_BYTES) throw new MalformedMessage('message too large');
  const end = text.indexOf('\r\n\r\n');
  const head = end === -1 ? text : text.slice(0, end);
  const body = end === -1 ? '' : text.slice(end + 4);
  const lines = head.split('\r\n');
  const start = (lines.shift() ?? '').match(/^([A-Za-z]+) (\S+) SIP\/2\.0$/);
  if (!start) throw new MalformedMessage('not a SIP/2.0 request line');
  const headers = new Map<string, string[]>();
  let previous: string | undefined;
  for (const line of lines) {
    if (line === '') continue;
    if ((line[0] === ' ' || line[0] === '\t') && previous) {
      const values = headers.get(previous) as string[];
      values[values.length - 1] += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon < 1) throw new MalformedMessage(`not a header: ${line.slice(0, 40)}`);
    const raw = line.slice(0, colon).trim().toLowerCase();
    if (!/^[a-z0-9!%*_+`'~.-]+$/.test(raw)) throw new MalformedMessage('bad header name');
    const name = compact[raw] ?? raw;
    const value = line.slice(colon + 1).trim();
    const values = headers.get(name) ?? [];
    values.push(...(listHeaders.has(name) ? splitList(value) : [value]));
    headers.set(name, values);
    previous = name;
  }
  for (const required of ['via', 'from', 'to', 'call-id', 'cseq']) if (!headers.get(required)?.length) throw new MalformedMessage(`no ${required}`);
  const cseq = (headers.get('cseq')?.[0] ?? '').match(/^(\d{1,10})\s+([A-Za-z]+)$/);
  if (!cseq || cseq[2]?.toUpperCase() !== start[1]?.toUpperCase()) throw new MalformedMessage('bad CSeq');
  const length = headers.get('content-length')?.[0];
  if (length !== undefined && !/^\d{1,6}$/.test(length)) throw new MalformedMessage('bad Content-Length');
  return { method: (start[1] as string).toUpperCase(), uri: start[2] as string, headers, body };
}

/**
 * A copy of a piece of a message, for keeping: V8 keeps a piece cut out of a string (slice,
 * split, match) as a view of the whole, so a nonce, a transaction key or a contact kept for
 * minutes would keep its whole request alive with it (and every young collection would copy it).
 */
export const detached = (piece: string): string => Buffer.from(piece, 'utf8').toString('utf8');

export const header = (request: SipRequest, name: string): string | undefined => request.headers.get(name)?.[0];

/** A name-addr or addr-spec (`"Ann" <sip:1000@example.com>;tag=x`): its URI and its parameters. */
export function parseNameAddr(value: string): { uri: string; params: Map<string, string> } {
  const bracketed = value.match(/<([^>]*)>(.*)$/);
  const uri = bracketed ? (bracketed[1] as string) : (value.split(';')[0] as string).trim();
  const rest = bracketed ? (bracketed[2] as string) : value.slice(uri.length);
  const params = new Map<string, string>();
  for (const part of rest.split(';').slice(1)) {
    const [key, val = ''] = part.split('=');
    if (key) params.set(key.trim().toLowerCase(), val.trim());
  }
  return { uri: uri.trim(), params };
}

/** The user and host of a sip:/sips: URI. */
export function parseSipUri(uri: string): { user: string | null; host: string } {
  const match = uri.match(/^sips?:(?:([^@:;]+)(?::[^@]*)?@)?(\[[^\]]+\]|[^:;?>]+)/i);
  if (!match) throw new MalformedMessage(`not a SIP URI: ${uri.slice(0, 60)}`);
  return { user: match[1] ? userPart(match[1]) : null, host: (match[2] as string).toLowerCase() };
}

function userPart(escaped: string): string {
  try {
    return decodeURIComponent(escaped);
  } catch {
    throw new MalformedMessage('bad escape in the user part');
  }
}

const reasons: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  423: 'Interval Too Brief',
  500: 'Server Internal Error',
  503: 'Service Unavailable',
};

/** A response to `request` with the headers RFC 3261 8.2.6 copies, plus `extra`. */
export function respond(request: SipRequest, status: number, extra: [string, string][] = [], toTag?: string): string {
  const to = header(request, 'to') as string;
  const lines = [
    `SIP/2.0 ${status} ${reasons[status] ?? 'Unknown'}`,
    ...(request.headers.get('via') ?? []).map((via) => `Via: ${via}`),
    `From: ${header(request, 'from')}`,
    `To: ${toTag && !/;\s*tag=/i.test(to) ? `${to};tag=${toTag}` : to}`,
    `Call-ID: ${header(request, 'call-id')}`,
    `CSeq: ${header(request, 'cseq')}`,
    ...extra.map(([name, value]) => `${name}: ${value}`),
    'Server: Switchboard',
    'Content-Length: 0',
  ];
  return `${lines.join('\r\n')}\r\n\r\n`;
}
