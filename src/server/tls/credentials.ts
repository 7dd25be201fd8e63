import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { FastifyBaseLogger } from 'fastify';
import type { TlsFiles } from '../config.ts';

/** A certificate chain and its private key, PEM, as HTTPS and SIP over TLS are given them. */
export interface TlsCredentials {
  cert: Buffer;
  key: Buffer;
}

/** A certificate or key that cannot be served; the message names the file and what is wrong with it. */
export class TlsConfigurationError extends Error {}

/**
 * Reads the certificate and key and proves that they can be served together, so that a missing
 * file, a file that is not PEM or a key of another certificate stops the start (or a reload) with
 * a sentence an operator can act on, instead of the first handshake failing.
 */
export function readTlsCredentials(files: TlsFiles): TlsCredentials {
  const cert = readPem(files.certFile, 'SWITCHBOARD_TLS_CERT', 'CERTIFICATE');
  const key = readPem(files.keyFile, 'SWITCHBOARD_TLS_KEY', 'PRIVATE KEY');
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    const reason = (error as { code?: string }).code === 'ERR_OSSL_X509_KEY_VALUES_MISMATCH' ? 'the key is not the certificate’s' : (error as Error).message;
    throw new TlsConfigurationError(`SWITCHBOARD_TLS_KEY (${files.keyFile}) cannot serve SWITCHBOARD_TLS_CERT (${files.certFile}): ${reason}`);
  }
  return { cert, key };
}

function readPem(path: string, variable: string, label: string): Buffer {
  let content: Buffer;
  try {
    content = readFileSync(path);
  } catch (error) {
    throw new TlsConfigurationError(`${variable} (${path}) cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (!new RegExp(`-----BEGIN [A-Z ]*${label}-----`).test(content.toString('latin1')))
    throw new TlsConfigurationError(`${variable} (${path}) holds no PEM ${label.toLowerCase()}`);
  return content;
}

/**
 * On SIGHUP, reads the files again and hands the renewed pair to each server (`renew`), which
 * serves it from its next connection on; a pair that cannot be served is logged and the previous
 * one stays. Answers the function that stops listening.
 */
export function renewOnHangup(files: TlsFiles, renew: ((credentials: TlsCredentials) => void)[], log: Pick<FastifyBaseLogger, 'info' | 'error'>): () => void {
  const reload = () => {
    try {
      const renewed = readTlsCredentials(files);
      for (const server of renew) server(renewed);
      log.info('TLS certificate reloaded');
    } catch (error) {
      log.error({ err: error }, 'TLS certificate not reloaded; the previous one is still served');
    }
  };
  process.on('SIGHUP', reload);
  return () => void process.off('SIGHUP', reload);
}
