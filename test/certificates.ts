import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificates {
  dir: string;
  /** The test's own certificate authority, which clients are told to trust. */
  caFile: string;
  ca: Buffer;
  /** A server certificate for localhost and 127.0.0.1, signed by the CA, and its key. */
  certFile: string;
  keyFile: string;
  /** A key of no certificate here. */
  otherKeyFile: string;
  remove(): void;
}

/** A CA and a server certificate made with the openssl command line, in a temp folder of their own. */
export function makeCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-tls-'));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ecKey = (name: string) => openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file(name));
  ecKey('ca.key');
  openssl('req', '-x509', '-new', '-key', file('ca.key'), '-subj', '/CN=Switchboard test CA', '-days', '2', '-out', file('ca.pem'));
  ecKey('server.key');
  openssl('req', '-new', '-key', file('server.key'), '-subj', '/CN=localhost', '-out', file('server.csr'));
  writeFileSync(file('server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl(
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    file('server.ext'),
    '-out',
    file('server.pem'),
  );
  ecKey('other.key');
  return {
    dir,
    caFile: file('ca.pem'),
    ca: readFileSync(file('ca.pem')),
    certFile: file('server.pem'),
    keyFile: file('server.key'),
    otherKeyFile: file('other.key'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
