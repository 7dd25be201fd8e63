import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytesPooled } from './random.ts';

const keyId = (key: Buffer) => createHash('sha256').update(key).digest('hex').slice(0, 8);

/**
 * Seals the secrets that must be recoverable (TOTP seeds, CalDAV tokens) with AES-256-GCM.
 * A sealed value names the key that sealed it, so older keys can still open values during a
 * rotation: `v1.<key id>.<iv | tag | ciphertext, base64url>`.
 */
export class SecretCipher {
  readonly #keys: Map<string, Buffer>;
  readonly #current: { id: string; key: Buffer };

  constructor(current: Buffer, previous: Buffer[] = []) {
    if (current.length !== 32) throw new Error('the secret key must be 32 bytes');
    this.#current = { id: keyId(current), key: current };
    this.#keys = new Map([current, ...previous].map((key) => [keyId(key), key]));
  }

  seal(plain: string): string {
    // From the pool: the operating system asked for 12 bytes per secret cost an import of 100,000
    // users 0.6 s. Each pooled byte is handed out once, so no nonce repeats under a key.
    const iv = randomBytesPooled(12);
    const cipher = createCipheriv('aes-256-gcm', this.#current.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `v1.${this.#current.id}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  open(sealed: string): string {
    const [version, id, payload] = sealed.split('.');
    const key = id ? this.#keys.get(id) : undefined;
    if (version !== 'v1' || !key || !payload) throw new Error('a secret sealed with an unknown key');
    const raw = Buffer.from(payload, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }

  /** A key for one purpose (such as signing SIP nonces), derived from the current key: every process of an installation derives the same. */
  deriveKey(purpose: string): Buffer {
    return createHmac('sha256', this.#current.key).update(purpose).digest();
  }

  /** Whether a value was sealed with the current key (a rotation re-seals the others). */
  isCurrent(sealed: string): boolean {
    return sealed.split('.')[1] === this.#current.id;
  }
}

/** A key from the environment: 32 bytes as base64 or 64 hex digits. */
export function parseKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) throw new Error('SWITCHBOARD_SECRET_KEY must be 32 bytes, as base64 or 64 hex digits');
  return key;
}

/** The key a rotation of the key file replaced, kept beside it until the rotation is done. */
export function previousKeyFile(dataDir: string): Buffer[] {
  const file = join(dataDir, 'secret.key.previous');
  return existsSync(file) ? [parseKey(readFileSync(file, 'utf8'))] : [];
}

/** Replaces the key file with a new key, keeping the old one as `secret.key.previous`. */
export function renewKeyFile(dataDir: string): void {
  const file = join(dataDir, 'secret.key');
  renameSync(file, join(dataDir, 'secret.key.previous'));
  writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
}

/**
 * The key from SWITCHBOARD_SECRET_KEY, or from `secret.key` in the data folder, created (readable
 * by the owner only) on the first start when neither exists.
 */
export function loadSecretKey(dataDir: string, fromEnvironment: string | undefined): Buffer {
  if (fromEnvironment) return parseKey(fromEnvironment);
  const file = join(dataDir, 'secret.key');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
  }
  return parseKey(readFileSync(file, 'utf8'));
}
