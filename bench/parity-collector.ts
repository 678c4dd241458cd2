/**
 * The OpenTelemetry Collector's clickhouseexporter (clickhouse-go over HTTP) writing into the local
 * ClickHouse server: otlp receiver → clickhouseexporter (`create_schema: false`, `compress: none`)
 * into tables `tributary migrate` created. The real SDK fixtures (41 copies each, four requests at a
 * time) and telemetrygen's traffic go in; every table must end up with exactly the rows the requests
 * carry. Needs the Collector build (bench/collector/build.sh, run on first use).
 *
 *   npm run parity:collector
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClickHouse } from '../core/clickhouse.js';
import { createLogger, setLogLevel } from '../core/log.js';
import { fromRoot } from '../core/paths.js';
import { startClickHouse } from '../deploy/local/clickhouse/process.js';
import { decodeRequest } from '../schemas/otlp/codec.js';
import { migrate } from '../schemas/migrate.js';
import * as sdk from '../test/fixtures/otel-sdk.js';
import { freePort } from '../test/harness/stack.js';
import {
  COLLECTOR_BINARY,
  SYNCHRONOUS_EXPORT,
  TELEMETRYGEN_BINARY,
  collectorBuilt,
  localClickHouseExporter,
} from './lib/collector.js';

const say = (line: string): void => {
  process.stderr.write(`parity:collector: ${line}\n`);
};

const DATABASE = 'collector_parity';
/** Data point kind in OTLP → the exporter's (and our) metrics table. */
const METRIC_TABLES = {
  gauge: 'otel_metrics_gauge',
  sum: 'otel_metrics_sum',
  histogram: 'otel_metrics_histogram',
  exponentialHistogram: 'otel_metrics_exponential_histogram',
  summary: 'otel_metrics_summary',
} as const;
const TELEMETRYGEN = { traces: 50, logs: 200, metrics: 100 } as const;
/** Extra copies of each SDK fixture request, sent four at a time. */
const REPEAT = 40;

type Json = Record<string, unknown>;
const list = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);

/** Rows each table must gain from one OTLP request. */
function expectedRows(signal: 'traces' | 'logs' | 'metrics', body: Uint8Array): Map<string, number> {
  const request = decodeRequest(signal, body);
  const rows = new Map<string, number>();
  const add = (table: string, n: number): void => {
    rows.set(table, (rows.get(table) ?? 0) + n);
  };
  if (signal === 'traces')
    for (const rs of list(request['resourceSpans']))
      for (const ss of list(rs['scopeSpans'])) add('otel_traces', list(ss['spans']).length);
  if (signal === 'logs')
    for (const rl of list(request['resourceLogs']))
      for (const sl of list(rl['scopeLogs'])) add('otel_logs', list(sl['logRecords']).length);
  if (signal === 'metrics')
    for (const rm of list(request['resourceMetrics']))
      for (const sm of list(rm['scopeMetrics']))
        for (const metric of list(sm['metrics']))
          for (const [kind, table] of Object.entries(METRIC_TABLES)) {
            const data = metric[kind] as Json | undefined;
            if (data) add(table, list(data['dataPoints']).length);
          }
  return rows;
}

function collectorConfig(clickhouseUrl: string, httpPort: number, grpcPort: number): string {
  return (
    [
      'receivers:',
      '  otlp:',
      '    protocols:',
      `      http: { endpoint: "127.0.0.1:${httpPort}" }`,
      `      grpc: { endpoint: "127.0.0.1:${grpcPort}" }`,
      'exporters:',
      ...localClickHouseExporter('clickhouse', { clickhouseUrl, database: DATABASE }, SYNCHRONOUS_EXPORT),
      'service:',
      '  telemetry: { logs: { level: warn }, metrics: { level: none } }',
      '  pipelines:',
      '    traces: { receivers: [otlp], exporters: [clickhouse] }',
      '    logs: { receivers: [otlp], exporters: [clickhouse] }',
      '    metrics: { receivers: [otlp], exporters: [clickhouse] }',
    ].join('\n') + '\n'
  );
}

async function main(): Promise<void> {
  if (!collectorBuilt()) {
    say('building the OpenTelemetry Collector (first run, or builder.yaml changed)');
    if (spawnSync('bash', [fromRoot('bench', 'collector', 'build.sh')], { stdio: 'inherit' }).status !== 0)
      throw new Error('the Collector build failed (needs Go)');
  }
  say('starting the local ClickHouse server');
  const root = mkdtempSync(join(tmpdir(), 'tributary-parity-'));
  const clickhouse = await startClickHouse({ dataDir: join(root, 'clickhouse'), port: 0 });
  const client = createClickHouse({
    url: clickhouse.url,
    user: 'default',
    password: '',
    database: 'default',
  });
  let collector: ReturnType<typeof spawn> | undefined;
  let failures = 0;
  try {
    setLogLevel('warn');
    await migrate(client, {
      database: DATABASE,
      ttlDays: 0,
      cluster: '',
      dedupWindow: 0,
      log: createLogger(),
    });
    say('migrated; starting the Collector');
    const [httpPort, grpcPort] = [await freePort(), await freePort()];
    const dir = fromRoot('bench', 'results', 'tmp');
    mkdirSync(dir, { recursive: true });
    const configPath = join(dir, 'parity-collector.yaml');
    writeFileSync(configPath, collectorConfig(clickhouse.url, httpPort, grpcPort));
    const started = Date.now();
    collector = spawn(COLLECTOR_BINARY, ['--config', configPath], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });

    const bodies = {
      traces: sdk.spansProtobuf(),
      logs: sdk.logsProtobuf(),
      metrics: sdk.metricsProtobuf(await sdk.sdkMetrics()),
    } as const;
    const expected = new Map<string, number>();
    for (const [signal, body] of Object.entries(bodies) as ['traces' | 'logs' | 'metrics', Uint8Array][]) {
      for (const [table, n] of expectedRows(signal, body))
        expected.set(table, (expected.get(table) ?? 0) + n);
      // The Collector answers 200 only once the exporter's insert succeeded (no sending queue).
      const url = `http://127.0.0.1:${httpPort}/v1/${signal}`;
      const status = await postWhenUp(url, body, started);
      if (status !== 200) throw new Error(`the Collector answered ${status} for ${signal}`);
      // Then REPEAT more, four at a time: concurrent inserts through the exporter's connection pool.
      for (let round = 0; round < REPEAT / 4; round++) {
        const statuses = await Promise.all([0, 1, 2, 3].map(() => postWhenUp(url, body, started)));
        if (statuses.some((s) => s !== 200)) throw new Error(`the Collector answered ${statuses.join(',')}`);
      }
      for (const [table, n] of expectedRows(signal, body))
        expected.set(table, (expected.get(table) ?? 0) + n * REPEAT);
    }
    say('SDK fixtures sent; telemetrygen next');
    // telemetrygen: each trace is two spans (parent and child); one gauge point per metric.
    const generate = (signal: string, flag: string, n: number): void => {
      const args = [
        signal,
        '--otlp-insecure',
        '--otlp-endpoint',
        `127.0.0.1:${grpcPort}`,
        '--rate',
        '0',
        flag,
        String(n),
      ];
      const run = spawnSync(TELEMETRYGEN_BINARY, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      if (run.status !== 0) throw new Error(`telemetrygen ${signal} failed: ${run.stderr.toString()}`);
    };
    generate('traces', '--traces', TELEMETRYGEN.traces);
    generate('logs', '--logs', TELEMETRYGEN.logs);
    generate('metrics', '--metrics', TELEMETRYGEN.metrics);
    const add = (table: string, n: number): void => void expected.set(table, (expected.get(table) ?? 0) + n);
    add('otel_traces', TELEMETRYGEN.traces * 2);
    add('otel_logs', TELEMETRYGEN.logs);
    add('otel_metrics_gauge', TELEMETRYGEN.metrics);

    for (const [table, want] of [...expected].sort()) {
      const deadline = Date.now() + 30_000;
      let got = 0;
      for (;;) {
        const result = await client.query({
          query: `SELECT count() AS n FROM \`${DATABASE}\`.\`${table}\``,
          format: 'JSONEachRow',
        });
        got = Number((await result.json<{ n: string }>())[0]?.n ?? 0);
        if (got >= want || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      if (got !== want) failures++;
      process.stdout.write(`${table}: ${got} rows, expected ${want}: ${got === want ? 'ok' : 'DIFFERENT'}\n`);
    }
    process.stdout.write(`done in ${Date.now() - started} ms after the Collector started\n`);
  } finally {
    collector?.kill('SIGTERM');
    await client.close();
    await clickhouse.stop();
    rmSync(root, { recursive: true, force: true });
  }
  if (failures > 0) process.exitCode = 1;
}

/** Posts once the Collector listens (connection refused until then), for up to 30 s. */
async function postWhenUp(url: string, body: Uint8Array, since: number): Promise<number> {
  for (;;) {
    try {
      const response = await fetch(url, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/x-protobuf' },
      });
      if (response.status !== 200) say(`${url}: ${response.status} ${await response.text()}`);
      return response.status;
    } catch (err) {
      if (Date.now() - since > 30_000) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
