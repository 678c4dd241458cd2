/**
 * Rotel, the Rust OpenTelemetry collector built for ClickHouse (installed from its PyPI wheel by
 * bench/rotel/install.sh), as the second peer beside the OpenTelemetry Collector:
 *
 * - as a receiver (startRotelReceiver): OTLP/HTTP and gRPC → its Kafka exporter, `otlp_proto`
 *   (`--kafka-exporter-format protobuf`), acks=all, no compression. Its batching merges requests into
 *   one record of up to `--batch-max-size` items (default 8192): with the bench's ~360-byte spans and
 *   log records that is ~3 MB, over Kafka's default 1,000,000-byte message limit, and Rotel logs
 *   "Failed to send" and drops the batch (measured: 90-100% of acknowledged spans and log records
 *   missing from Kafka). The bench sets ROTEL_BATCH_ITEMS so its records fit (≤ ~0.75 MB here) and
 *   checks delivery. Rotel answers a client when the request is in its pipeline, before Kafka
 *   acknowledged it (it has no mode that waits for the ack); tributary answers after the ack.
 * - as a writer (startRotelClickHouse): OTLP → its ClickHouse exporter, RowBinary over HTTP. The
 *   wheel's build has no Kafka receiver, so it is fed the same records over OTLP/HTTP instead of
 *   from Kafka; its CPU then includes receiving them (as our writer's includes fetching them).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromRoot } from '../../core/paths.js';
import { type RunningCollector, stoppable } from './collector.js';
import { sleep } from './proc.js';

export const ROTEL_BINARY = fromRoot('.tributary', 'rotel', 'rotel-agent');
const INSTALL_SCRIPT = fromRoot('bench', 'rotel', 'install.sh');
/** Items per Rotel batch (one Kafka record) in the receiver bench: ≤ ~0.75 MB of the bench's bodies. */
export const ROTEL_BATCH_ITEMS = 2048;

/** The wheel version install.sh pins (its `version=` line). */
export function rotelVersion(): string {
  return /^version=(\S+)$/m.exec(readFileSync(INSTALL_SCRIPT, 'utf8'))?.[1] ?? 'unknown';
}

/** Installed, and the version install.sh pins (it writes the stamp). */
export function rotelInstalled(): boolean {
  const stamp = fromRoot('.tributary', 'rotel', 'version');
  return (
    existsSync(ROTEL_BINARY) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === rotelVersion()
  );
}

/**
 * Why Rotel is not run (undefined: installed, installing it first when needed). BENCH_ROTEL=0 skips
 * it; BENCH_COLLECTOR=0 (the CI smoke) installs nothing but runs an installed Rotel as a writer.
 */
export function ensureRotel(say: (line: string) => void): string | undefined {
  if (process.env['BENCH_ROTEL'] === '0') return 'BENCH_ROTEL=0';
  if (rotelInstalled()) return undefined;
  if (process.env['BENCH_COLLECTOR'] === '0')
    return 'Rotel is not installed, and BENCH_COLLECTOR=0 installs nothing';
  say(`installing Rotel ${rotelVersion()} from its PyPI wheel (first run)`);
  const installed = spawnSync('bash', [INSTALL_SCRIPT], { stdio: 'inherit' });
  return installed.status === 0 && rotelInstalled()
    ? undefined
    : 'the Rotel install failed (see above; it needs pip and Linux x86_64)';
}

/** Runs rotel-agent with `args`; resolves once its OTLP/HTTP endpoint answers. */
async function run(
  dir: string,
  name: string,
  args: readonly string[],
  httpPort: number,
): Promise<RunningCollector> {
  const logPath = join(dir, `rotel-${name}.log`);
  const fd = openSync(logPath, 'w');
  const child: ChildProcess = spawn(ROTEL_BINARY, ['start', ...args], {
    stdio: ['ignore', fd, fd],
    env: { PATH: process.env['PATH'] ?? '' },
  });
  closeSync(fd);
  const running = stoppable(child);
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await fetch(`http://127.0.0.1:${httpPort}/v1/traces`);
      return running;
    } catch {
      if (child.exitCode !== null || Date.now() > deadline) {
        await running.stop();
        throw new Error(`rotel did not start; see ${logPath}`);
      }
      await sleep(100);
    }
  }
}

export interface RotelReceiverOptions {
  readonly brokers: readonly string[];
  readonly topics: { traces: string; metrics: string; logs: string };
  readonly httpPort: number;
  readonly grpcPort: number;
  readonly dir: string;
  /** More rotel-agent arguments (experiments). */
  readonly extra?: readonly string[];
}

/** The arguments of Rotel as an OTLP → Kafka receiver (exported for the bench's description). */
export function rotelReceiverArgs(o: RotelReceiverOptions): string[] {
  return [
    '--otlp-http-endpoint',
    `127.0.0.1:${o.httpPort}`,
    '--otlp-grpc-endpoint',
    `127.0.0.1:${o.grpcPort}`,
    '--otlp-grpc-max-recv-msg-size-mib',
    '64',
    '--exporter',
    'kafka',
    '--kafka-exporter-brokers',
    o.brokers.join(','),
    '--kafka-exporter-traces-topic',
    o.topics.traces,
    '--kafka-exporter-metrics-topic',
    o.topics.metrics,
    '--kafka-exporter-logs-topic',
    o.topics.logs,
    '--kafka-exporter-format',
    'protobuf',
    '--kafka-exporter-acks',
    'all',
    '--kafka-exporter-compression',
    'none',
    '--batch-max-size',
    String(ROTEL_BATCH_ITEMS),
    ...(o.extra ?? []),
  ];
}

export function startRotelReceiver(o: RotelReceiverOptions): Promise<RunningCollector> {
  return run(o.dir, 'receiver', rotelReceiverArgs(o), o.httpPort);
}

export interface RotelClickHouseOptions {
  /** Where it inserts: the local server, or a counting proxy in front of it. */
  readonly clickhouseUrl: string;
  readonly database: string;
  readonly httpPort: number;
  readonly grpcPort: number;
  /** Its batch processor's size and timeout: the rows per insert and the flush interval. */
  readonly batchRows: number;
  readonly flushIntervalMs: number;
  /** Its default, lz4, sends ClickHouse's compressed blocks (`decompress=1`), which the local server reads. */
  readonly compression: 'none' | 'lz4';
  readonly dir: string;
  readonly name: string;
}

export function rotelClickHouseArgs(o: RotelClickHouseOptions): string[] {
  return [
    '--otlp-http-endpoint',
    `127.0.0.1:${o.httpPort}`,
    '--otlp-grpc-endpoint',
    `127.0.0.1:${o.grpcPort}`,
    '--exporter',
    'clickhouse',
    '--clickhouse-exporter-endpoint',
    o.clickhouseUrl,
    '--clickhouse-exporter-database',
    o.database,
    '--clickhouse-exporter-compression',
    o.compression,
    // Synchronous inserts, as the Collector writer and ours do (its default is async_insert=1).
    '--clickhouse-exporter-async-insert',
    'false',
    '--batch-max-size',
    String(o.batchRows),
    '--batch-timeout',
    `${o.flushIntervalMs}ms`,
  ];
}

export function startRotelClickHouse(o: RotelClickHouseOptions): Promise<RunningCollector> {
  return run(o.dir, o.name, rotelClickHouseArgs(o), o.httpPort);
}
