import { pbkdf2, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import argon2 from 'argon2';
import bcrypt from 'bcryptjs';

/** OWASP's recommended argon2id parameters: 19 MiB, two passes, one lane. */
const options = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/**
 * Hashes run on libuv's thread pool, off the event loop; many at once (an import) use every
 * thread of it, which the CLI sizes to the machine's cores.
 */
export const hashPassword = (password: string) => argon2.hash(password, options);

/** A hash to verify against when the account does not exist, so both answers take as long. */
let decoy: Promise<string> | undefined;

export async function verifyPassword(hash: string | null, password: string): Promise<boolean> {
  if (hash === null) {
    decoy ??= hashPassword('decoy password that matches nothing');
    await argon2.verify(await decoy, password).catch(() => false);
    return false;
  }
  const scheme = hashScheme(hash);
  if (scheme === 'bcrypt') return bcrypt.compare(password, hash);
  if (scheme === 'pbkdf2') return verifyPbkdf2(hash, password);
  return argon2.verify(hash, password).catch(() => false);
}

/**
 * Hashes brought from another system (an import) are kept until their owner next signs in, and
 * then replaced by ours; so are argon2 hashes made with weaker parameters.
 */
export const needsRehash = (hash: string) => hashScheme(hash) !== 'argon2' || argon2.needsRehash(hash, options);

type Scheme = 'argon2' | 'bcrypt' | 'pbkdf2';

const BCRYPT = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;
const ARGON2 = /^\$argon2(id|i|d)\$v=\d+\$[mtp]=\d+,[mtp]=\d+,[mtp]=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;
/** Django's `pbkdf2_sha256$iterations$salt$base64` and passlib's `$pbkdf2-sha256$iterations$ab64salt$ab64hash`. */
const DJANGO_PBKDF2 = /^pbkdf2_(sha1|sha256|sha512)\$(\d+)\$([^$]+)\$([A-Za-z0-9+/=]+)$/;
const PASSLIB_PBKDF2 = /^\$pbkdf2(?:-(sha256|sha512))?\$(\d+)\$([./A-Za-z0-9]+)\$([./A-Za-z0-9]+)$/;

/** Which scheme a stored hash is in: ours (argon2), or one an import may bring; null when none. */
export function hashScheme(hash: string): Scheme | null {
  if (ARGON2.test(hash)) return 'argon2';
  if (BCRYPT.test(hash)) return 'bcrypt';
  if (DJANGO_PBKDF2.test(hash) || PASSLIB_PBKDF2.test(hash)) return 'pbkdf2';
  return null;
}

const derive = promisify(pbkdf2);
const ab64 = (text: string) => Buffer.from(text.replaceAll('.', '+'), 'base64');

async function verifyPbkdf2(hash: string, password: string): Promise<boolean> {
  const django = DJANGO_PBKDF2.exec(hash);
  const passlib = PASSLIB_PBKDF2.exec(hash);
  const [digest, iterations, salt, expected] = django
    ? [django[1], Number(django[2]), Buffer.from(django[3] as string), Buffer.from(django[4] as string, 'base64')]
    : passlib
      ? [passlib[1] ?? 'sha1', Number(passlib[2]), ab64(passlib[3] as string), ab64(passlib[4] as string)]
      : [];
  if (!digest || !iterations || !salt || !expected || expected.length === 0) return false;
  const actual = await derive(password, salt, iterations, expected.length, digest as string);
  return timingSafeEqual(actual, expected);
}
