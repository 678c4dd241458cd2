/**
 * The OpenTelemetry Collector (built by bench/collector/build.sh) as the reference receiver:
 * otlp receiver → kafka exporter with `otlp_proto` and acks=all, on the same Kafka as ours.
 *
 * `durable` answers the client only after Kafka acknowledged (no batch processor, sending queue off),
 * which is what tributary's receiver promises; `batched` is the Collector's usual pipeline (batch
 * processor + sending queue), which answers before the data reaches Kafka.
 *
 * And as the reference writer (startCollectorWriter): kafkareceiver → batch → clickhouseexporter.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromRoot } from '../../core/paths.js';
import { sleep } from './proc.js';

export const COLLECTOR_BINARY = fromRoot('.tributary', 'otelcol', 'otelcol-bench');
export const TELEMETRYGEN_BINARY = fromRoot('.tributary', 'bin', 'telemetrygen');

/** Built, and from the current bench/collector/builder.yaml (build.sh writes the stamp). */
export function collectorBuilt(): boolean {
  const stamp = fromRoot('.tributary', 'otelcol', 'builder.yaml.sha256');
  if (!existsSync(COLLECTOR_BINARY) || !existsSync(TELEMETRYGEN_BINARY) || !existsSync(stamp)) return false;
  const want = createHash('sha256')
    .update(readFileSync(fromRoot('bench', 'collector', 'builder.yaml')))
    .digest('hex');
  return readFileSync(stamp, 'utf8').trim() === want;
}

/** A peer's process with a stop that asks (SIGTERM) and insists after 10 s (SIGKILL). */
export function stoppable(child: ChildProcess): RunningCollector {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface CollectorOptions {
  readonly brokers: readonly string[];
  readonly topics: { traces: string; metrics: string; logs: string };
  readonly httpPort: number;
  readonly grpcPort: number;
  readonly mode: 'durable' | 'batched';
  readonly dir: string;
  /** Key records as partition_traces_by_id + partition_{logs,metrics}_by_resource_attributes. */
  readonly keyed?: boolean;
}

export interface RunningCollector {
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

function config(options: CollectorOptions): string {
  const batched = options.mode === 'batched';
  const pipeline = (signal: string): string =>
    `    ${signal}: { receivers: [otlp], ${batched ? 'processors: [batch], ' : ''}exporters: [kafka] }`;
  return [
    'receivers:',
    '  otlp:',
    '    protocols:',
    `      http: { endpoint: "127.0.0.1:${options.httpPort}" }`,
    `      grpc: { endpoint: "127.0.0.1:${options.grpcPort}", max_recv_msg_size_mib: 64 }`,
    ...(batched ? ['processors:', '  batch: {}'] : []),
    'exporters:',
    '  kafka:',
    `    brokers: [${options.brokers.map((b) => `"${b}"`).join(', ')}]`,
    `    traces: { topic: "${options.topics.traces}", encoding: otlp_proto }`,
    `    metrics: { topic: "${options.topics.metrics}", encoding: otlp_proto }`,
    `    logs: { topic: "${options.topics.logs}", encoding: otlp_proto }`,
    ...(options.keyed
      ? [
          '    partition_traces_by_id: true',
          '    partition_logs_by_resource_attributes: true',
          '    partition_metrics_by_resource_attributes: true',
        ]
      : []),
    '    producer: { required_acks: -1, compression: none, max_message_bytes: 1000000 }',
    `    sending_queue: { enabled: ${batched ? 'true' : 'false'} }`,
    'service:',
    '  telemetry:',
    '    logs: { level: warn }',
    '    metrics: { level: none }',
    '  pipelines:',
    pipeline('traces'),
    pipeline('metrics'),
    pipeline('logs'),
  ].join('\n');
}

/** Runs the Collector on a config; `ready` resolves once it serves (throws when it does not). */
async function run(
  dir: string,
  name: string,
  configText: string,
  ready: (logPath: string) => boolean | Promise<boolean>,
): Promise<RunningCollector> {
  const configPath = join(dir, `otelcol-${name}.yaml`);
  const logPath = join(dir, `otelcol-${name}.log`);
  writeFileSync(configPath, configText + '\n');
  const fd = openSync(logPath, 'w');
  const child = spawn(COLLECTOR_BINARY, ['--config', configPath], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const running = stoppable(child);
  const deadline = Date.now() + 60_000;
  while (!(await ready(logPath))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await running.stop();
      throw new Error(`the collector did not start; see ${logPath}`);
    }
    await sleep(100);
  }
  return running;
}

export async function startCollector(options: CollectorOptions): Promise<RunningCollector> {
  // Ready when the HTTP receiver answers (a GET on a POST-only path gives 405).
  return run(options.dir, options.mode, config(options), async () => {
    try {
      await fetch(`http://127.0.0.1:${options.httpPort}/v1/traces`);
      return true;
    } catch {
      return false;
    }
  });
}

export interface CollectorWriterOptions {
  readonly brokers: readonly string[];
  /** The traces topic, read from the earliest offset under `groupId`. */
  readonly topic: string;
  readonly groupId: string;
  readonly clickhouseUrl: string;
  /** A database `tributary migrate` made: the exporter writes its otel_traces table. */
  readonly database: string;
  /** The batch processor's send_batch_size (and max): rows per insert. */
  readonly batchRows: number;
  /** The batch processor's timeout: a partial batch goes after this long. */
  readonly flushIntervalMs: number;
  readonly dir: string;
  readonly name: string;
}

/** Exporter settings for a comparison: every export answered only once it is inserted, never retried. */
export const SYNCHRONOUS_EXPORT: readonly string[] = [
  '    timeout: 10s',
  '    sending_queue: { enabled: false }',
  '    retry_on_failure: { enabled: false }',
];

/**
 * A clickhouseexporter (YAML lines under `exporters:`) writing into the local ClickHouse server: the
 * schema left to `tributary migrate` (`create_schema: false`), `compress: none` (the local server does
 * not speak ClickHouse's compressed block framing, docs/operations.md), synchronous inserts.
 */
export function localClickHouseExporter(
  name: string,
  options: { readonly clickhouseUrl: string; readonly database: string },
  extra: readonly string[] = [],
  createSchema = false,
): string[] {
  return [
    `  ${name}:`,
    `    endpoint: "${options.clickhouseUrl}"`,
    `    database: "${options.database}"`,
    `    create_schema: ${createSchema}`,
    '    compress: none',
    '    async_insert: false',
    ...extra,
  ];
}

/**
 * The Collector's Kafka → ClickHouse gateway: kafkareceiver (otlp_proto) → batch processor →
 * clickhouseexporter, the exporter's queue and retries at their defaults (its usual deployment), the
 * schema left to `tributary migrate` (`create_schema: false`), `compress: none` (the local server does
 * not speak ClickHouse's compressed block framing, docs/operations.md) and synchronous inserts.
 */
function writerConfig(options: CollectorWriterOptions): string {
  return [
    'receivers:',
    '  kafka:',
    `    brokers: [${options.brokers.map((b) => `"${b}"`).join(', ')}]`,
    `    group_id: "${options.groupId}"`,
    '    initial_offset: earliest',
    `    traces: { topics: ["${options.topic}"], encoding: otlp_proto }`,
    'processors:',
    '  batch:',
    `    send_batch_size: ${options.batchRows}`,
    `    send_batch_max_size: ${options.batchRows}`,
    `    timeout: ${options.flushIntervalMs}ms`,
    'exporters:',
    ...localClickHouseExporter('clickhouse', options, [
      '    traces_table_name: otel_traces',
      // The default 5 s would retry (and duplicate) a slow insert on a loaded 2-core machine.
      '    timeout: 60s',
    ]),
    'service:',
    // info: the "Everything is ready" line is the readiness signal (no health extension in this build).
    '  telemetry: { logs: { level: info }, metrics: { level: none } }',
    '  pipelines:',
    '    traces: { receivers: [kafka], processors: [batch], exporters: [clickhouse] }',
  ].join('\n');
}

export async function startCollectorWriter(options: CollectorWriterOptions): Promise<RunningCollector> {
  return run(options.dir, options.name, writerConfig(options), (logPath) =>
    readFileSync(logPath, 'utf8').includes('Everything is ready'),
  );
}

/**
 * Why the Collector writer is not run: it runs whenever the Collector is built, also under
 * BENCH_COLLECTOR=0 (which only skips building it and the receiver comparison), so the CI smoke
 * covers it on a machine that has the build and says why not on one that has not.
 */
export function collectorWriterSkip(collectorSkip: string | undefined): string | undefined {
  if (!collectorSkip || collectorBuilt()) return undefined;
  return collectorSkip === 'BENCH_COLLECTOR=0'
    ? 'the Collector is not built, and BENCH_COLLECTOR=0 builds nothing'
    : collectorSkip;
}

/** Why the Collector cannot run here (undefined: built, building it first when needed). */
export function ensureCollector(say: (line: string) => void): string | undefined {
  if (process.env['BENCH_COLLECTOR'] === '0') return 'BENCH_COLLECTOR=0';
  if (collectorBuilt()) return undefined;
  if (spawnSync('go', ['version'], { stdio: 'ignore' }).status !== 0)
    return 'Go is not installed (needed to build the collector)';
  say('building the OpenTelemetry Collector and telemetrygen (first run, or builder.yaml changed)');
  const built = spawnSync('bash', [fromRoot('bench', 'collector', 'build.sh')], { stdio: 'inherit' });
  return built.status === 0 && collectorBuilt() ? undefined : 'the collector build failed (see above)';
}
