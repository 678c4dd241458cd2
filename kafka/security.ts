/**
 * Kafka TLS and SASL settings, read from the configuration once at start (files are read now, so a
 * bad path fails at start, not at the first connection). Client-independent: the adapter maps them.
 */
import { readFileSync } from 'node:fs';
import type { Config, ConfigKey } from '../core/config/options.js';
import { TributaryError } from '../core/errors.js';

export interface KafkaSecurity {
  readonly tls?: { readonly ca?: Buffer; readonly cert?: Buffer; readonly key?: Buffer };
  readonly sasl?: {
    readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
    readonly username: string;
    readonly password: string;
  };
}

function readFileFor(key: ConfigKey, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new TributaryError(
      'CONFIG_INVALID',
      `config ${key}: cannot read ${path}: ${(err as Error).message}`,
    );
  }
}

/** The Kafka TLS/SASL settings of a configuration (files read now, so a bad path fails at start). */
export function kafkaSecurity(config: Config): KafkaSecurity | undefined {
  const tlsFiles = (['kafka.tlsCaFile', 'kafka.tlsCertFile', 'kafka.tlsKeyFile'] as const).filter(
    (k) => config[k],
  );
  if (!config['kafka.tls'] && tlsFiles.length > 0)
    throw new TributaryError('CONFIG_INVALID', `config ${tlsFiles[0]}: set kafka.tls=true to use it`);
  if (Boolean(config['kafka.tlsCertFile']) !== Boolean(config['kafka.tlsKeyFile']))
    throw new TributaryError(
      'CONFIG_INVALID',
      'config kafka.tlsCertFile: a client certificate needs kafka.tlsKeyFile too (and the other way round)',
    );
  const mechanism = config['kafka.saslMechanism'];
  if (mechanism !== 'none' && (!config['kafka.saslUsername'] || !config['kafka.saslPassword']))
    throw new TributaryError(
      'CONFIG_INVALID',
      `config kafka.saslMechanism: ${mechanism} needs kafka.saslUsername and kafka.saslPassword (TRIBUTARY_KAFKA_SASL_PASSWORD or _FILE)`,
    );
  if (!config['kafka.tls'] && mechanism === 'none') return undefined;
  return {
    ...(config['kafka.tls']
      ? {
          tls: {
            ...(config['kafka.tlsCaFile']
              ? { ca: readFileFor('kafka.tlsCaFile', config['kafka.tlsCaFile']) }
              : {}),
            ...(config['kafka.tlsCertFile']
              ? {
                  cert: readFileFor('kafka.tlsCertFile', config['kafka.tlsCertFile']),
                  key: readFileFor('kafka.tlsKeyFile', config['kafka.tlsKeyFile']),
                }
              : {}),
          },
        }
      : {}),
    ...(mechanism !== 'none'
      ? {
          sasl: {
            mechanism,
            username: config['kafka.saslUsername'],
            password: config['kafka.saslPassword'],
          },
        }
      : {}),
  };
}
