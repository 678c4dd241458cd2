/**
 * What the writer and replay share: the config narrowed once into the options they use, and the
 * ClickHouse-side dependencies of writing batches (schema cache, delivery state, DLQ).
 */
import { hostname } from 'node:os';
import type { ClickHouseClient } from '../core/clickhouse.js';
import type { Config } from '../core/config/options.js';
import type { Logger } from '../core/log.js';
import type { FetchOptions, KafkaPort } from '../kafka/port.js';
import type { RowRules } from './batch.js';
import { BODY_POOL_BYTES } from './body-pool.js';
import type { SignalWriterOptions } from './consume.js';
import type { BodyEncoding } from './delivery/fenced-insert.js';
import type { DeliverySetup } from './delivery/preflight.js';
import { DeadLetterQueue } from './dlq.js';
import type { WriterMetrics } from './metrics.js';
import { topicReaders } from './route.js';
import { SchemaCache } from './schema.js';

export function rowRules(config: Config): RowRules {
  return {
    maxPastMs: config['writer.maxTimestampPastMs'],
    maxFutureMs: config['writer.maxTimestampFutureMs'],
    maxRecordBytes: config['writer.maxRecordEncodedBytes'],
    logProcessing: config['writer.logProcessing'],
    readersOf: topicReaders(config),
  };
}

export function fetchOptions(config: Config): FetchOptions {
  return {
    maxWaitMs: Math.min(500, config['writer.flushIntervalMs']),
    maxBytesPerPartition: 4 * 1024 * 1024,
    maxBytes: 16 * 1024 * 1024,
    isolation: config['writer.isolationLevel'],
  };
}

const MiB = 1024 * 1024;
/** Idle process and code (measured ~150 MiB with the Kafka client, pino and OTel) with headroom. */
const WRITER_BASE_BYTES = 200 * MiB;
/** One fetch round past the budget: 16 MiB of records and their rows (docs/operations.md). */
const FETCH_ROUND_BYTES = 64 * MiB;

/**
 * The writer's stated memory bound (docs/operations.md): RSS ≤ 200 MiB + 64 MiB (free insert bodies
 * kept for reuse, writer/body-pool.ts) + 2 × Σ over its signals (writer.maxBufferedBytes + 64 MiB);
 * the factor 2 covers garbage not yet collected and insert copies.
 */
export function writerMemoryBytes(config: Config): number {
  return (
    WRITER_BASE_BYTES +
    BODY_POOL_BYTES +
    2 * config['writer.signals'].length * (config['writer.maxBufferedBytes'] + FETCH_ROUND_BYTES)
  );
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\]|::1)$/i;

/** `clickhouse.compression` resolved: auto compresses (zstd) unless the server is on this machine. */
export function bodyEncoding(config: Config): BodyEncoding {
  const setting = config['clickhouse.compression'];
  if (setting !== 'auto') return setting;
  return LOOPBACK.test(new URL(config['clickhouse.url']).hostname) ? 'none' : 'zstd';
}

/** The options of one signal's writer that come from the config, beside source and ranges. */
export function signalWriterBase(
  config: Config,
  client: ClickHouseClient,
  kafka: KafkaPort,
  dlq: DeadLetterQueue,
  metrics: WriterMetrics,
  log: Logger,
  delivery: DeliverySetup,
): Omit<SignalWriterOptions, 'signal' | 'source' | 'admin' | 'stateGroup'> {
  const database = config['clickhouse.database'];
  const rules = rowRules(config);
  return {
    limits: {
      batchRows: config['writer.batchRows'],
      batchBytes: config['writer.batchBytes'],
      flushIntervalMs: config['writer.flushIntervalMs'],
      rules,
    },
    concurrentPartitions: config['writer.concurrentPartitions'],
    maxBufferedBytes: config['writer.maxBufferedBytes'],
    fetch: fetchOptions(config),
    startFrom: 'earliest',
    deps: {
      client,
      database,
      schemas: new SchemaCache(client, database),
      state: delivery.state,
      transport: delivery.transport,
      dlq,
      metrics,
      log,
      writerId: `${hostname()}/${process.pid}`,
      onAlarm: () => undefined,
    },
    log,
  };
}

export { DeadLetterQueue };
