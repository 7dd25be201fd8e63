import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { resolveTarget, TargetRefused } from './targets.ts';
import { signatureOf } from './rules.ts';

export interface Attempt {
  status: number | null;
  latencyMs: number;
  error: string | null;
  /** The receiver's answer, cut at ANSWER_LIMIT: what the CRM gate reads; deliveries ignore it. */
  answer?: string;
}

export interface Message {
  id: string;
  url: string;
  secret: string;
  body: string;
  /** This message's limit, instead of the sender's (the CRM gate's per domain). */
  timeoutMs?: number;
}

export interface Sender {
  send(message: Message): Promise<Attempt>;
  close(): void;
}

/** Enough of an answer to say why it failed; the rest is read and dropped, never stored. */
const ANSWER_LIMIT = 64 * 1024;

/**
 * Sends messages as the Standard Webhooks specification signs them. Each attempt resolves and
 * checks its target again and connects to the address checked; it follows no redirect (a 3xx is
 * a failure) and ends, whatever the receiver does, within `timeoutMs`.
 */
export function webhookSender({ timeoutMs, allowPrivate, sockets }: { timeoutMs: number; allowPrivate: boolean; sockets: number }): Sender {
  const agents = { 'http:': new http.Agent({ keepAlive: true, maxSockets: sockets }), 'https:': new https.Agent({ keepAlive: true, maxSockets: sockets }) };
  return {
    async send(message) {
      const limit = message.timeoutMs ?? timeoutMs;
      const started = performance.now();
      const elapsed = () => Math.round(performance.now() - started);
      const url = new URL(message.url);
      try {
        const target = await resolveTarget(url, allowPrivate);
        const pinned: LookupFunction = (_host, options, callback) =>
          options.all ? callback(null, [{ address: target.address, family: target.family }]) : callback(null, target.address, target.family);
        const { status, answer } = await post(url, message, {
          agent: agents[url.protocol as 'http:' | 'https:'],
          lookup: pinned,
          timeoutMs: limit,
          remainingMs: Math.max(1, limit - elapsed()),
        });
        return { status, latencyMs: elapsed(), error: status >= 200 && status < 300 ? null : `HTTP ${status}`, answer };
      } catch (error) {
        return { status: null, latencyMs: elapsed(), error: error instanceof TargetRefused ? error.message : describe(error), answer: '' };
      }
    },
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}

function post(
  url: URL,
  message: Message,
  options: { agent: http.Agent; lookup: LookupFunction; timeoutMs: number; remainingMs: number },
): Promise<{ status: number; answer: string }> {
  const timestamp = Math.floor(Date.now() / 1000);
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(url, {
      method: 'POST',
      agent: options.agent,
      lookup: options.lookup,
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(message.body),
        'user-agent': 'Switchboard-Webhooks/1',
        'webhook-id': message.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signatureOf(message.secret, message.id, timestamp, message.body),
      },
    });
    const timer = setTimeout(() => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)), options.remainingMs);
    request.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.once('response', (response) => {
      let read = 0;
      let enough = false;
      const kept: Buffer[] = [];
      response.on('data', (chunk: Buffer) => {
        read += chunk.length;
        enough = read > ANSWER_LIMIT;
        if (enough) response.destroy();
        else kept.push(chunk);
      });
      response.once('close', () => {
        clearTimeout(timer);
        // An answer cut off by the time limit is a failure, however it began.
        if (response.complete || enough) resolve({ status: response.statusCode ?? 0, answer: Buffer.concat(kept).toString('utf8') });
        else reject(new Error(`no whole answer within ${options.timeoutMs} ms`));
      });
    });
    request.end(message.body);
  });
}

/** The cause of a failed attempt as the log shows it: a code or a message, never the request. */
function describe(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : error instanceof Error ? error.message : 'failed';
}
