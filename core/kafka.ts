/**
 * The one module that imports the Kafka client library (kafkajs). Everything else asks this module
 * for producers, consumers and admins, so the client can be swapped in one place.
 */
// Must come first: patches two kafkajs internals before kafkajs loads (see the module).
import './kafka-speedups.js';
import { Kafka, logLevel, type LogEntry } from 'kafkajs';
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
}

function mapLevel(level: logLevel): 'debug' | 'info' | 'warn' | 'error' {
  if (level === logLevel.ERROR) return 'error';
  if (level === logLevel.WARN) return 'warn';
  if (level === logLevel.INFO) return 'info';
  return 'debug';
}

export function createKafka(options: KafkaClientOptions): Kafka {
  const log = (options.log ?? createLogger()).child({ component: 'kafkajs' });
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
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
