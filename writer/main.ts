/** `tributary writer`: Kafka in, ClickHouse out, one consumer group per signal. */
import { clickhouseTls, createClickHouse } from '../core/clickhouse.js';
import type { Config } from '../core/config/options.js';
import { serveHealth } from '../core/health.js';
import { createKafka, kafkaSecurity } from '../core/kafka.js';
import { stopOnSignals } from '../core/lifecycle.js';
import { TributaryError, errorMessage } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import { type SmallServer, serveMetrics } from '../core/metrics.js';
import { startTelemetry } from '../core/telemetry.js';
import { SignalWriter } from './consume.js';
import { DeadLetterQueue } from './dlq.js';
import { BatchLedger } from './ledger.js';
import { createWriterMetrics } from './metrics.js';
import { SchemaCache } from './schema.js';

/**
 * The topics one signal's consumer reads: by default the prefixed topic name; or a configured list
 * where entries starting with ^ are regular expressions (several regions' topics in one writer).
 */
export function writerTopics(config: Config, signal: 'traces' | 'metrics' | 'logs'): (string | RegExp)[] {
  const configured = config[`writer.${signal}Topics`];
  if (configured.length === 0) return [config['topics.prefix'] + config[`topics.${signal}`]];
  return configured.map((topic) => {
    if (!topic.startsWith('^')) return topic;
    try {
      return new RegExp(topic);
    } catch (err) {
      throw new TributaryError(
        'CONFIG_INVALID',
        `config writer.${signal}Topics: ${topic} is not a valid regular expression (${errorMessage(err)})`,
      );
    }
  });
}

export interface RunningWriter {
  readonly healthPort: number;
  readonly metricsPort: number;
  readonly metrics: ReturnType<typeof createWriterMetrics>;
  stop(): Promise<void>;
}

export interface WriterStartOptions {
  /** Start from the earliest offset when the group has no commit (default true: never skip data). */
  readonly fromBeginning?: boolean;
}

export async function startWriter(config: Config, options: WriterStartOptions = {}): Promise<RunningWriter> {
  const log = createLogger({ component: 'writer' });
  const telemetry = startTelemetry(config, 'tributary-writer'); // before the metrics: they export through it
  const metrics = createWriterMetrics();
  const kafka = createKafka({
    brokers: config['kafka.brokers'],
    clientId: `${config['kafka.clientId']}-writer`,
    log,
    security: kafkaSecurity(config),
  });
  const database = config['clickhouse.database'];
  const client = createClickHouse({
    url: config['clickhouse.url'],
    user: config['clickhouse.user'],
    password: config['clickhouse.password'],
    database,
    tls: clickhouseTls(config),
  });
  const dlq = new DeadLetterQueue(kafka);
  const flushDeps = {
    client,
    database,
    schemas: new SchemaCache(client, database),
    ledger: new BatchLedger(client, database),
    dlq,
    metrics,
    log,
  };
  const writers: SignalWriter[] = [];
  for (const signal of config['writer.signals']) {
    if (signal !== 'traces' && signal !== 'metrics' && signal !== 'logs')
      throw new Error(`writer.signals: unknown signal ${signal}`);
    const writer = new SignalWriter({
      kafka,
      signal: signal,
      groupId: `${config['writer.groupId']}-${signal}`,
      topics: writerTopics(config, signal),
      batchRows: config['writer.batchRows'],
      concurrentPartitions: config['writer.concurrentPartitions'],
      batchBytes: config['writer.batchBytes'],
      flushIntervalMs: config['writer.flushIntervalMs'],
      fromBeginning: options.fromBeginning ?? true,
      flush: flushDeps,
      log: log.child({ signal }),
    });
    await writer.start();
    writers.push(writer);
  }
  const host = '0.0.0.0';
  const health = await serveHealth(config['writer.healthPort'], host, () => {
    const states = writers.map((w) => w.readiness());
    return { ready: states.every((s) => s.ready), reason: states.map((s) => s.reason).join('; ') };
  });
  let metricsServer: SmallServer | undefined;
  if (config['writer.metricsPort'] > 0)
    metricsServer = await serveMetrics(metrics.registry, config['writer.metricsPort'], host);
  metrics.registry.markReady();
  log.info('writer ready', { signals: config['writer.signals'], database, healthPort: health.port });

  let stopped: Promise<void> | undefined;
  return {
    healthPort: health.port,
    metricsPort: metricsServer?.port ?? 0,
    metrics,
    stop() {
      stopped ??= (async () => {
        await Promise.all(writers.map((w) => w.stop(config['writer.shutdownTimeoutMs'])));
        await dlq.close().catch(() => undefined);
        await client.close();
        await Promise.allSettled([health.close(), metricsServer?.close()]);
        await metrics.registry.shutdown();
        await telemetry.shutdown();
        log.info('writer stopped');
      })();
      return stopped;
    },
  };
}

export async function runWriter(config: Config): Promise<void> {
  const writer = await startWriter(config);
  stopOnSignals(
    () => writer.stop(),
    createLogger({ component: 'writer' }),
    config['writer.shutdownTimeoutMs'] + 5_000,
  );
}
