import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface BreachScreening {
  /** Base URL of a Have I Been Pwned range API; the 5-hex prefix is appended. Unset: no online check. */
  url: string | undefined;
  timeoutMs: number;
  /** What a failed online check means: `open` lets the password through, `closed` refuses it. */
  failure: 'open' | 'closed';
  /** A file of SHA-1 hashes (40 hex, optionally `:count`) or plain passwords, one a line. */
  offlineFile: string | undefined;
}

export type Verdict = 'breached' | 'clean' | 'unavailable';

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex').toUpperCase();
const CACHE_TTL_MS = 60 * 60 * 1000;
const CACHE_MAX_PREFIXES = 10_000;

/**
 * Tells whether a password appears in known breaches: first in the offline list, then through
 * the range API (k-anonymity: only the first 5 hex of the SHA-1 leave the server). Answers per
 * prefix are cached for an hour.
 */
export class BreachedPasswords {
  readonly #offline: BigUint64Array;
  readonly #cache = new Map<string, { suffixes: Set<string>; until: number }>();

  constructor(private readonly settings: BreachScreening) {
    this.#offline = settings.offlineFile ? loadOffline(readFileSync(settings.offlineFile, 'utf8')) : new BigUint64Array(0);
  }

  get failsClosed(): boolean {
    return this.settings.failure === 'closed';
  }

  async check(password: string): Promise<Verdict> {
    const hash = sha1(password);
    if (contains(this.#offline, hash)) return 'breached';
    if (!this.settings.url) return 'clean';
    try {
      const suffixes = await this.#suffixes(hash.slice(0, 5));
      return suffixes.has(hash.slice(5)) ? 'breached' : 'clean';
    } catch {
      return 'unavailable';
    }
  }

  async #suffixes(prefix: string): Promise<Set<string>> {
    const cached = this.#cache.get(prefix);
    if (cached && cached.until > Date.now()) return cached.suffixes;
    const response = await fetch(`${this.settings.url}${prefix}`, {
      headers: { 'add-padding': 'true', 'user-agent': 'switchboard' },
      signal: AbortSignal.timeout(this.settings.timeoutMs),
    });
    if (!response.ok) throw new Error(`range API answered ${response.status}`);
    const suffixes = parseRange(await response.text());
    if (this.#cache.size >= CACHE_MAX_PREFIXES) this.#cache.clear();
    this.#cache.set(prefix, { suffixes, until: Date.now() + CACHE_TTL_MS });
    return suffixes;
  }
}

/** `SUFFIX:COUNT` lines; padding lines carry a count of 0 and are not breaches. */
export function parseRange(body: string): Set<string> {
  const suffixes = new Set<string>();
  for (const line of body.split(/\r?\n/)) {
    const [suffix, count] = line.trim().split(':');
    if (suffix && /^[0-9A-Fa-f]{35}$/.test(suffix) && Number(count) > 0) suffixes.add(suffix.toUpperCase());
  }
  return suffixes;
}

/** The offline list as the sorted first 64 bits of each SHA-1: 8 bytes an entry, searched in halves. */
export function loadOffline(text: string): BigUint64Array {
  const keys: bigint[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    const hash = /^[0-9A-Fa-f]{40}(:\d+)?$/.test(line) ? line.slice(0, 40).toUpperCase() : sha1(line);
    keys.push(BigInt(`0x${hash.slice(0, 16)}`));
  }
  return BigUint64Array.from(keys).sort();
}

function contains(sorted: BigUint64Array, hash: string): boolean {
  const key = BigInt(`0x${hash.slice(0, 16)}`);
  let low = 0;
  let high = sorted.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const value = sorted[middle] as bigint;
    if (value === key) return true;
    if (value < key) low = middle + 1;
    else high = middle - 1;
  }
  return false;
}
