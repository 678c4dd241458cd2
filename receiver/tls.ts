/**
 * TLS for the OTLP receivers from PEM files: server certificate and key, and optionally a client CA
 * (mutual TLS: clients without a certificate signed by it are refused during the handshake).
 * Files are read once at start; a missing or unreadable file stops start-up naming the key.
 */
import { readFileSync } from 'node:fs';
import type { Config, ConfigKey } from '../core/config/options.js';
import { TributaryError } from '../core/errors.js';

export interface ServerTls {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** Set for mutual TLS. */
  readonly clientCa?: Buffer;
}

export function readPemFile(key: ConfigKey, path: string): Buffer {
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (err) {
    throw new TributaryError(
      'CONFIG_INVALID',
      `config ${key}: cannot read ${path}: ${(err as Error).message}`,
    );
  }
  if (!pem.includes('-----BEGIN '))
    throw new TributaryError('CONFIG_INVALID', `config ${key}: ${path} is not a PEM file`);
  return pem;
}

/** The receivers' TLS settings, or undefined for plaintext. */
export function serverTls(config: Config): ServerTls | undefined {
  const certFile = config['receiver.tlsCertFile'];
  const keyFile = config['receiver.tlsKeyFile'];
  const caFile = config['receiver.tlsClientCaFile'];
  if (!certFile && !keyFile) {
    if (caFile)
      throw new TributaryError(
        'CONFIG_INVALID',
        'config receiver.tlsClientCaFile: mutual TLS needs receiver.tlsCertFile and receiver.tlsKeyFile too',
      );
    return undefined;
  }
  if (!certFile || !keyFile)
    throw new TributaryError(
      'CONFIG_INVALID',
      `config ${certFile ? 'receiver.tlsKeyFile' : 'receiver.tlsCertFile'}: TLS needs both receiver.tlsCertFile and receiver.tlsKeyFile`,
    );
  return {
    cert: readPemFile('receiver.tlsCertFile', certFile),
    key: readPemFile('receiver.tlsKeyFile', keyFile),
    ...(caFile ? { clientCa: readPemFile('receiver.tlsClientCaFile', caFile) } : {}),
  };
}
