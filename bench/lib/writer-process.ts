/** A tributary writer process as the benches run it (the current build), up and healthy. */
import type { Signal } from '../../schemas/otlp/codec.js';
import { type Child, spawnTributary } from '../../test/harness/process.js';
import { freePort } from '../../test/harness/stack.js';
import { waitHealthy } from './proc.js';

export interface BenchWriterOptions {
  readonly brokers: string;
  readonly clickhouseUrl: string;
  readonly prefix: string;
  readonly database: string;
  readonly signal: Signal;
  /** Each writer round reads the topic from the start under its own group. */
  readonly groupId?: string;
  readonly flushIntervalMs: number;
  readonly logFile: string;
  /** More environment (e.g. a config key the bench varies). */
  readonly env?: Readonly<Record<string, string>>;
  /** Node flags (e.g. a preload). */
  readonly nodeArgs?: readonly string[];
}

export async function spawnBenchWriter(o: BenchWriterOptions): Promise<{ child: Child; metrics: number }> {
  const metrics = await freePort();
  const health = await freePort();
  const child = spawnTributary(
    'writer',
    {
      TRIBUTARY_KAFKA_BROKERS: o.brokers,
      TRIBUTARY_CLICKHOUSE_URL: o.clickhouseUrl,
      TRIBUTARY_CLICKHOUSE_DATABASE: o.database,
      TRIBUTARY_TOPICS_PREFIX: o.prefix,
      TRIBUTARY_WRITER_SIGNALS: o.signal,
      ...(o.groupId ? { TRIBUTARY_WRITER_GROUP_ID: o.groupId } : {}),
      TRIBUTARY_WRITER_FLUSH_INTERVAL_MS: String(o.flushIntervalMs),
      TRIBUTARY_WRITER_HEALTH_PORT: String(health),
      TRIBUTARY_WRITER_METRICS_PORT: String(metrics),
      TRIBUTARY_LOG_LEVEL: 'error',
      ...o.env,
    },
    o.logFile,
    { nodeArgs: o.nodeArgs ?? [] },
  );
  try {
    await waitHealthy(`http://127.0.0.1:${health}/health`);
  } catch (err) {
    await child.kill('SIGTERM');
    throw err;
  }
  return { child, metrics };
}
