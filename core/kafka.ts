/**
 * The one module that imports the Kafka client library (kafkajs). Everything else asks this module
 * for producers, consumers and admins, so the client can be swapped in one place.
 */
// Must come first: patches two kafkajs internals before kafkajs loads (see the module).
import './kafka-speedups.js';
import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type LogEntry, type SASLOptions } from 'kafkajs';
import type { Config, ConfigKey } from './config/options.js';
import { TributaryError } from './errors.js';
import { createLogger, type Logger } from './log.js';

export type {
  Admin,
  Consumer,
  EachBatchPayload,
  IHeaders,
  KafkaMessage,
  Message,
  Producer,
  RecordMetadata,
} from 'kafkajs';
export { CompressionTypes, Partitioners } from 'kafkajs';
export type { PartitionMetadata } from 'kafkajs';

export interface KafkaClientOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly log?: Logger;
  /** Per-request timeout; a down broker must produce errors, never hangs. */
  readonly requestTimeoutMs?: number;
  readonly connectionTimeoutMs?: number;
  /** TLS and SASL, from kafkaSecurity(config); plaintext without auth when absent. */
  readonly security?: KafkaSecurity | undefined;
}

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

function mapLevel(level: logLevel): 'debug' | 'info' | 'warn' | 'error' {
  if (level === logLevel.ERROR) return 'error';
  if (level === logLevel.WARN) return 'warn';
  if (level === logLevel.INFO) return 'info';
  return 'debug';
}

export function createKafka(options: KafkaClientOptions): Kafka {
  const log = (options.log ?? createLogger()).child({ component: 'kafkajs' });
  const { tls, sasl } = options.security ?? {};
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    ...(tls ? { ssl: { ...tls, rejectUnauthorized: true } } : {}),
    ...(sasl ? { sasl: sasl as SASLOptions } : {}),
    requestTimeout: options.requestTimeoutMs ?? 10_000,
    connectionTimeout: options.connectionTimeoutMs ?? 3_000,
    // kafkajs logs connection errors at ERROR on every retry; keep them, but structured.
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        log[mapLevel(level)](message, rest);
      },
  });
}

export { Kafka };
