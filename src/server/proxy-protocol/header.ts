import { isIP, type Socket } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * The PROXY protocol (HAProxy's, versions 1 and 2), which a load balancer passing TCP through
 * (nginx `proxy_protocol on`, HAProxy `send-proxy`) puts before the client's first byte so that the
 * server learns who the client is. Only a header from a trusted proxy may be believed: anyone else
 * could claim any address.
 */

/** Where a proxied connection comes from; null when the proxy tells no address (LOCAL, UNKNOWN, a non-IP family). */
export type ProxiedSource = { address: string; port: number } | null;

export class MalformedProxyHeader extends Error {}

const V1_PREFIX = Buffer.from('PROXY ');
const V1_MAX = 107;
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

/**
 * The header at the start of `bytes`: its length and the source it names; 'incomplete' while more
 * bytes are needed to tell; null when the bytes start no PROXY header (a plain connection).
 */
export function parseProxyHeader(bytes: Buffer): { length: number; source: ProxiedSource } | 'incomplete' | null {
  if (startsLike(bytes, V1_PREFIX)) return bytes.length < V1_PREFIX.length ? 'incomplete' : parseV1(bytes);
  if (startsLike(bytes, V2_SIGNATURE)) return bytes.length < 16 ? 'incomplete' : parseV2(bytes);
  return null;
}

const startsLike = (bytes: Buffer, prefix: Buffer) =>
  bytes.length > 0 && bytes.subarray(0, prefix.length).equals(prefix.subarray(0, Math.min(bytes.length, prefix.length)));

function parseV1(bytes: Buffer) {
  const end = bytes.subarray(0, V1_MAX).indexOf('\r\n');
  if (end === -1) {
    if (bytes.length >= V1_MAX) throw new MalformedProxyHeader('a PROXY v1 line longer than 107 bytes');
    return 'incomplete' as const;
  }
  const fields = bytes.subarray(0, end).toString('latin1').split(' ');
  const length = end + 2;
  if (fields[1] === 'UNKNOWN') return { length, source: null };
  const [, family, source, , sourcePort, destinationPort] = fields;
  if (fields.length !== 6 || (family !== 'TCP4' && family !== 'TCP6')) throw new MalformedProxyHeader('not a PROXY v1 line');
  if (isIP(source as string) !== (family === 'TCP4' ? 4 : 6) || !validPort(sourcePort) || !validPort(destinationPort))
    throw new MalformedProxyHeader('a PROXY v1 line with a bad address or port');
  return { length, source: { address: source as string, port: Number(sourcePort) } };
}

const validPort = (text: string | undefined) => text !== undefined && /^(0|[1-9]\d{0,4})$/.test(text) && Number(text) <= 65535;

function parseV2(bytes: Buffer) {
  const versionCommand = bytes[12] as number;
  if (versionCommand >> 4 !== 2 || (versionCommand & 0x0f) > 1) throw new MalformedProxyHeader('not a PROXY v2 header');
  const length = 16 + bytes.readUInt16BE(14);
  if (bytes.length < length) return 'incomplete' as const;
  // LOCAL: the proxy's own connection (a health check); the peer is who it is.
  if ((versionCommand & 0x0f) === 0) return { length, source: null };
  const family = bytes[13] as number;
  const body = bytes.subarray(16, length);
  if (family === 0x11 && body.length >= 12) return { length, source: { address: [...body.subarray(0, 4)].join('.'), port: body.readUInt16BE(8) } };
  if (family === 0x21 && body.length >= 36)
    return { length, source: { address: ipaddr.fromByteArray([...body.subarray(0, 16)]).toString(), port: body.readUInt16BE(32) } };
  if (family === 0x11 || family === 0x21) throw new MalformedProxyHeader('a PROXY v2 header too short for its addresses');
  return { length, source: null };
}

/**
 * Reads a PROXY header, if one comes first, off a connection from a trusted proxy: answers the
 * source it names (null: none named or no header) and leaves every byte after it to be read.
 * Fails on a malformed header, a connection closed first or one that takes longer than `timeoutMs`.
 */
export function readProxyHeader(socket: Socket, timeoutMs: number): Promise<ProxiedSource> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => finish(new MalformedProxyHeader('no PROXY header in time')), timeoutMs);
    const finish = (outcome: Error | { length: number; source: ProxiedSource }) => {
      clearTimeout(timer);
      socket.off('data', onData).off('close', onClose).off('error', onClose);
      if (outcome instanceof Error) return reject(outcome);
      socket.pause();
      if (received.length > outcome.length) socket.unshift(received.subarray(outcome.length));
      resolve(outcome.source);
    };
    const onClose = () => finish(new MalformedProxyHeader('closed before its first bytes'));
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      try {
        const header = parseProxyHeader(received);
        if (header !== 'incomplete') finish(header ?? { length: 0, source: null });
      } catch (error) {
        finish(error as Error);
      }
    };
    socket.on('data', onData).on('close', onClose).on('error', onClose);
  });
}
