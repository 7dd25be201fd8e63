import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadSecretKey, parseKey, SecretCipher } from './cipher.ts';

describe('secret cipher', () => {
  it('seals so that the value is unreadable and every sealing differs, and opens it again', () => {
    const cipher = new SecretCipher(randomBytes(32));
    const a = cipher.seal('caldav-token-123');
    const b = cipher.seal('caldav-token-123');
    assert.notEqual(a, b);
    assert.equal(a.includes('caldav'), false);
    assert.equal(cipher.open(a), 'caldav-token-123');
  });

  it('never repeats a nonce under its key, across many refills of the random pool', () => {
    const cipher = new SecretCipher(randomBytes(32));
    const nonces = new Set<string>();
    for (let i = 0; i < 20_000; i += 1) {
      const sealed = cipher.seal('pin');
      nonces.add(
        Buffer.from(sealed.split('.')[2] as string, 'base64url')
          .subarray(0, 12)
          .toString('hex'),
      );
    }
    assert.equal(nonces.size, 20_000);
  });

  it('refuses a tampered value and a value of an unknown key', () => {
    const cipher = new SecretCipher(randomBytes(32));
    const sealed = cipher.seal('x');
    const tampered = `${sealed.slice(0, -2)}${sealed.endsWith('A') ? 'B' : 'A'}A`;
    assert.throws(() => cipher.open(tampered));
    assert.throws(() => new SecretCipher(randomBytes(32)).open(sealed), /unknown key/);
  });

  it('opens values of a previous key during a rotation, and tells them apart', () => {
    const old = randomBytes(32);
    const sealed = new SecretCipher(old).seal('seed');
    const rotated = new SecretCipher(randomBytes(32), [old]);
    assert.equal(rotated.open(sealed), 'seed');
    assert.equal(rotated.isCurrent(sealed), false);
    assert.equal(rotated.isCurrent(rotated.seal('seed')), true);
  });

  it('makes a key file readable by its owner only on first start, and reads it after', () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-key-'));
    const first = loadSecretKey(dir, undefined);
    assert.equal(statSync(join(dir, 'secret.key')).mode & 0o777, 0o600);
    assert.deepEqual(loadSecretKey(dir, undefined), first);
    assert.deepEqual(loadSecretKey(dir, readFileSync(join(dir, 'secret.key'), 'utf8')), first);
    assert.throws(() => parseKey('too-short'), /32 bytes/);
  });
});
