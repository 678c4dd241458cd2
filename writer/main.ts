/** `tributary writer`: Kafka in, ClickHouse out, one consumer group per signal. */
import { clickhouseFromConfig } from '../core/clickhouse.js';
import type { Config } from '../core/config/options.js';
import { serveHealth } from '../core/health.js';
import { stopOnSignals } from '../core/lifecycle.js';
import { TributaryError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import { retryTransient } from '../core/retry.js';
import { type SmallServer, serveMetrics } from '../core/metrics.js';
import { startTelemetry } from '../core/telemetry.js';
import { createKafka } from '../kafka/create.js';
import { kafkaSecurity } from '../kafka/security.js';
import { SignalWriter } from './consume.js';
import { prepareDelivery } from './delivery/preflight.js';
import { createWriterMetrics } from './metrics.js';
import { writerTopics } from './route.js';
import { DeadLetterQueue, bodyEncoding, signalWriterBase } from './setup.js';
export { writerTopics } from './route.js';

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

export async function startWriter(config: Config, _options: WriterStartOptions = {}): Promise<RunningWriter> {
  const log = createLogger({ component: 'writer' });
  const telemetry = startTelemetry(config, 'tributary-writer'); // before the metrics: they export through it
  const metrics = createWriterMetrics();
  const kafka = createKafka({
    brokers: config['kafka.brokers'],
    clientId: `${config['kafka.clientId']}-writer`,
    log,
    security: kafkaSecurity(config),
  });
  const client = clickhouseFromConfig(config);
  // ClickHouse may be restarting: keep trying, but a missing table or a failed self-test is the
  // operator's to fix.
  const delivery = await retryTransient(
    'prepare delivery',
    () => prepareDelivery(client, config, bodyEncoding(config), log),
    {
      retryable: (err) => !(err instanceof TributaryError),
      log,
    },
  );
  const dlq = new DeadLetterQueue(kafka);
  const admin = kafka.admin();
  const base = signalWriterBase(config, client, kafka, dlq, metrics, log, delivery);
  const writers: SignalWriter[] = [];
  const members: { leave(): Promise<void> }[] = [];
  for (const signal of config['writer.signals']) {
    if (signal !== 'traces' && signal !== 'metrics' && signal !== 'logs')
      throw new TributaryError('CONFIG_INVALID', `config writer.signals: unknown signal ${signal}`);
    const groupId = `${config['writer.groupId']}-${signal}`;
    const member = kafka.group({
      groupId,
      topics: writerTopics(config, signal),
      protocol: config['writer.groupProtocol'],
      // A writer killed with SIGKILL holds its partitions until this passes: keep it short.
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 30_000,
      heartbeatIntervalMs: 3_000,
    });
    await member.join();
    members.push(member);
    const writer = new SignalWriter({
      ...base,
      signal,
      source: member,
      admin,
      stateGroup: groupId,
      log: log.child({ signal }),
    });
    await writer.start();
    writers.push(writer);
  }
  const lagTimer = setInterval(() => {
    for (const w of writers)
      for (const l of w.lag()) metrics.lag.set(l.lag, { topic: l.topic, partition: l.partition });
  }, 5_000);
  lagTimer.unref();
  const host = '0.0.0.0';
  const health = await serveHealth(config['writer.healthPort'], host, () => {
    const states = writers.map((w) => w.readiness(config['writer.stuckAfterMs']));
    return { ready: states.every((s) => s.ready), reason: states.map((s) => s.reason).join('; ') };
  });
  let metricsServer: SmallServer | undefined;
  if (config['writer.metricsPort'] > 0)
    metricsServer = await serveMetrics(metrics.registry, config['writer.metricsPort'], host);
  metrics.registry.markReady();
  log.info('writer ready', {
    signals: config['writer.signals'],
    database: config['clickhouse.database'],
    coordination: delivery.coordination,
    compression: delivery.transport.encoding,
    healthPort: health.port,
  });

  let stopped: Promise<void> | undefined;
  return {
    healthPort: health.port,
    metricsPort: metricsServer?.port ?? 0,
    metrics,
    stop() {
      stopped ??= (async () => {
        clearInterval(lagTimer);
        await Promise.all(writers.map((w) => w.stop(config['writer.shutdownTimeoutMs'])));
        await Promise.all(members.map((m) => m.leave()));
        await dlq.close().catch(() => undefined);
        await admin.close();
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
