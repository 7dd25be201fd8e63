import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { randomBytesPooled } from '../secrets/random.ts';
import { detached } from './message.ts';

export type DigestAlgorithm = 'MD5' | 'SHA-256';
const hashOf = { MD5: 'md5', 'SHA-256': 'sha256' } as const;
const h = (algorithm: DigestAlgorithm, text: string) => createHash(hashOf[algorithm]).update(text).digest('hex');

/** Parses `Digest a="b", c=d` into its parameters (names lower-cased). */
export function parseDigest(value: string): Map<string, string> | null {
  const match = value.match(/^\s*Digest\s+(.*)$/is);
  if (!match) return null;
  const params = new Map<string, string>();
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))\s*(?:,|$)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(match[1] as string)) !== null)
    params.set((m[1] as string).toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] as string));
  return params;
}

/**
 * Stateless nonces (RFC 7616 3.3): a timestamp and an HMAC of it with the realm, so any process of
 * the installation can check one without having stored it; older than `ttlMs` they are stale.
 * Replays are refused by remembering the highest `nc` seen per nonce while it lives.
 */
export class NonceKeeper {
  readonly #counts = new Map<string, { nc: number; until: number }>();

  constructor(
    private readonly key: Buffer,
    private readonly ttlMs = 300_000,
    private readonly clock: () => number = Date.now,
  ) {}

  issue(realm: string): string {
    // The random part makes every nonce new, so counting its nc from 1 is never a replay of another's.
    // Drawn from a pool: one call to the system's generator per challenge cost more than its HMAC.
    const stamp = `${Math.floor(this.clock() / 1000)
      .toString(16)
      .padStart(9, '0')}${randomBytesPooled(6).toString('hex')}`;
    return `${stamp}${this.#sign(stamp, realm)}`;
  }

  #sign(stamp: string, realm: string) {
    return createHmac('sha256', this.key).update(`${stamp}:${realm}`).digest('base64url').slice(0, 22);
  }

  /** `ok`, `stale` (signed by us but too old: ask again with stale=true) or `invalid`. */
  check(nonce: string, realm: string): 'ok' | 'stale' | 'invalid' {
    const match = nonce.match(/^(([0-9a-f]{9})[0-9a-f]{12})([A-Za-z0-9_-]{22})$/);
    if (!match) return 'invalid';
    const expected = Buffer.from(this.#sign(match[1] as string, realm));
    const given = Buffer.from(match[3] as string);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'invalid';
    return this.clock() - parseInt(match[2] as string, 16) * 1000 > this.ttlMs ? 'stale' : 'ok';
  }

  /**
   * Accepts each nonce count once and only upwards. A count is kept as long as its nonce can be
   * fresh (a nonce is stale `ttlMs` after it was issued, which is no later than now), in order of
   * expiry, so the expired are dropped from the front a few at a time instead of by a scan.
   */
  accept(nonce: string, nc: number): boolean {
    const now = this.clock();
    const seen = this.#counts.get(nonce);
    if (seen && nc <= seen.nc) return false;
    this.#counts.delete(nonce);
    // A copy: the nonce was cut out of the request, and kept as it is it would keep the whole request.
    this.#counts.set(detached(nonce), { nc, until: now + this.ttlMs });
    for (const [key, entry] of this.#counts) {
      if (entry.until >= now) break;
      this.#counts.delete(key);
    }
    return true;
  }
}

/** One challenge per algorithm, in the domain's order of preference (RFC 8760 2.4). */
export function challengeHeaders(realm: string, nonce: string, stale: boolean, algorithms: readonly DigestAlgorithm[]): [string, string][] {
  return algorithms.map((algorithm) => [
    'WWW-Authenticate',
    `Digest realm="${realm}", nonce="${nonce}", algorithm=${algorithm}, qop="auth"${stale ? ', stale=true' : ''}`,
  ]);
}

/** The expected `response` of an Authorization with qop=auth, from the stored HA1. */
export function expectedResponse(algorithm: DigestAlgorithm, ha1: string, method: string, params: Map<string, string>): string {
  const ha2 = h(algorithm, `${method}:${params.get('uri')}`);
  return h(algorithm, `${ha1}:${params.get('nonce')}:${params.get('nc')}:${params.get('cnonce')}:${params.get('qop')}:${ha2}`);
}

export const sameHex = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a.toLowerCase()), Buffer.from(b.toLowerCase()));
