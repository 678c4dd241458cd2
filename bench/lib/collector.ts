/**
 * The OpenTelemetry Collector (built by bench/collector/build.sh) as the reference receiver:
 * otlp receiver → kafka exporter with `otlp_proto` and acks=all, on the same Kafka as ours.
 *
 * `durable` answers the client only after Kafka acknowledged (no batch processor, sending queue off),
 * which is what tributary's receiver promises; `batched` is the Collector's usual pipeline (batch
 * processor + sending queue), which answers before the data reaches Kafka.
 */
import { type ChildProcess, spawn } from 'node:child_process';
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

export async function startCollector(options: CollectorOptions): Promise<RunningCollector> {
  const configPath = join(options.dir, `otelcol-${options.mode}.yaml`);
  writeFileSync(configPath, config(options) + '\n');
  const fd = openSync(join(options.dir, `otelcol-${options.mode}.log`), 'a');
  const child = spawn(COLLECTOR_BINARY, ['--config', configPath], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Ready when the HTTP receiver answers (a GET on a POST-only path gives 405).
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await fetch(`http://127.0.0.1:${options.httpPort}/v1/traces`);
      break;
    } catch {
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`the collector did not start; see ${options.dir}/otelcol-${options.mode}.log`);
      await sleep(200);
    }
  }
  return {
    process: child,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
