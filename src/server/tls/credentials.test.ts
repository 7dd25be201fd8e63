import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeCertificates, type TestCertificates } from '../../../test/certificates.ts';
import { loadConfig } from '../config.ts';
import { readTlsCredentials, renewOnHangup, TlsConfigurationError } from './credentials.ts';

describe('TLS configuration', () => {
  let certificates: TestCertificates;
  before(() => (certificates = makeCertificates()));
  after(() => certificates.remove());

  it('reads a certificate and its key', () => {
    const credentials = readTlsCredentials({ certFile: certificates.certFile, keyFile: certificates.keyFile });
    assert.match(credentials.cert.toString(), /BEGIN CERTIFICATE/);
  });

  it('names a file that cannot be read', () => {
    const missing = join(certificates.dir, 'missing.pem');
    assert.throws(
      () => readTlsCredentials({ certFile: missing, keyFile: certificates.keyFile }),
      (error) => error instanceof TlsConfigurationError && error.message === `SWITCHBOARD_TLS_CERT (${missing}) cannot be read: ENOENT`,
    );
  });

  it('refuses a file that holds no PEM of its kind (a key given as the certificate)', () => {
    assert.throws(() => readTlsCredentials({ certFile: certificates.keyFile, keyFile: certificates.keyFile }), TlsConfigurationError);
    assert.throws(
      () => readTlsCredentials({ certFile: certificates.certFile, keyFile: certificates.certFile }),
      /SWITCHBOARD_TLS_KEY .* holds no PEM private key/,
    );
  });

  it('refuses a key that is not the certificate’s', () => {
    assert.throws(
      () => readTlsCredentials({ certFile: certificates.certFile, keyFile: certificates.otherKeyFile }),
      /cannot serve SWITCHBOARD_TLS_CERT .*: the key is not the certificate’s/,
    );
  });

  it('wants the certificate and key together, and SIP over TLS only with them', () => {
    assert.throws(
      () => loadConfig({ SWITCHBOARD_TLS_CERT: certificates.certFile }),
      /SWITCHBOARD_TLS_KEY: SWITCHBOARD_TLS_CERT and SWITCHBOARD_TLS_KEY go together/,
    );
    assert.throws(() => loadConfig({ SWITCHBOARD_SIP_TLS_PORT: '5061' }), /SWITCHBOARD_SIP_TLS_PORT: SIP over TLS needs/);
    assert.equal(loadConfig({}).sipTlsPort, 'off');
    assert.equal(loadConfig({}).tls, undefined);
    const files = { SWITCHBOARD_TLS_CERT: certificates.certFile, SWITCHBOARD_TLS_KEY: certificates.keyFile };
    assert.equal(loadConfig(files).sipTlsPort, 5061);
    assert.equal(loadConfig({ ...files, SWITCHBOARD_SIP_TLS_PORT: 'off' }).sipTlsPort, 'off');
    assert.deepEqual(loadConfig(files).tls, { certFile: certificates.certFile, keyFile: certificates.keyFile });
  });

  it('hands a renewed pair to every server on SIGHUP, and keeps the previous one when the new cannot be served', () => {
    const renewed = makeCertificates();
    const served: string[][] = [[], []];
    const errors: string[] = [];
    const files = { certFile: join(certificates.dir, 'live.pem'), keyFile: join(certificates.dir, 'live.key') };
    const install = (cert: string, key: string) => [copyFileSync(cert, files.certFile), copyFileSync(key, files.keyFile)];
    install(certificates.certFile, certificates.keyFile);
    const stop = renewOnHangup(
      files,
      served.map((log) => (credentials) => log.push(credentials.cert.toString())),
      { info: () => undefined, error: (entry: { err: Error }) => errors.push(entry.err.message) },
    );
    try {
      install(renewed.certFile, renewed.keyFile);
      process.emit('SIGHUP', 'SIGHUP');
      assert.deepEqual(served, [[readFileSync(renewed.certFile, 'utf8')], [readFileSync(renewed.certFile, 'utf8')]]);
      install(certificates.certFile, renewed.keyFile);
      process.emit('SIGHUP', 'SIGHUP');
      assert.equal(served[0]?.length, 1, 'a mismatched pair is handed to no server');
      assert.match(errors[0] ?? '', /the key is not the certificate’s/);
    } finally {
      stop();
      renewed.remove();
    }
  });

  it('stops `switchboard serve` with the reason when the key does not match', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-tls-serve-'));
    try {
      const env = {
        ...process.env,
        SWITCHBOARD_DATA_DIR: dataDir,
        SWITCHBOARD_PORT: '0',
        SWITCHBOARD_SIP_PORT: 'off',
        SWITCHBOARD_PWNED_URL: '',
        SWITCHBOARD_TLS_CERT: certificates.certFile,
        SWITCHBOARD_TLS_KEY: certificates.otherKeyFile,
      };
      const outcome = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = execFile('node', ['--import', 'tsx', 'src/cli/main.ts', 'serve'], { env, timeout: 30_000 }, (_error, _stdout, stderr) =>
          resolve({ code: child.exitCode, stderr }),
        );
      });
      assert.equal(outcome.code, 1);
      assert.deepEqual(readdirSync(dataDir), [], 'stopped before a database was made');
      assert.match(
        outcome.stderr,
        /^switchboard: SWITCHBOARD_TLS_KEY \(.*other\.key\) cannot serve SWITCHBOARD_TLS_CERT \(.*server\.pem\): the key is not the certificate’s\n$/,
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
