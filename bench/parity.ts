/**
 * Row-by-row differential test against the OpenTelemetry Collector configured as the ClickStack
 * collector (bench/lib/clickstack-collector.ts): the same OTLP requests go to
 *
 *   A: tributary — receiver → Kafka → writer (`writer.logProcessing: clickstack`) into `parity_a`;
 *   B: the Collector — otlp → routing / transform → clickhouseexporter into `parity_b`;
 *
 * on one local ClickHouse server. With Map attributes (the default) both databases are made by
 * `tributary migrate`; with `--attributes json` A is made by `tributary migrate` with JSON columns
 * and B by the exporter itself (`json: true, create_schema: true`, as ClickStack's JSON mode), then
 * migrated by tributary over it; the two layouts are compared column by column too. Then every table
 * is compared row by row (bench/lib/parity-compare.ts) and the result written to
 * bench/results/parity-<date>-<collector>[-json].{md,json}. Builds the Collector on first use (needs
 * Go; run it under the heavy-run lock).
 *
 *   npm run parity -- [--collector 0.165|0.155|0.149] [--attributes map|json] [--from clickstack-2.15]
 *
 * A request the Collector refuses (not a random one) is sent to tributary after the comparison, and
 * the rows it wrote are reported beside it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClickHouse } from '../core/clickhouse.js';
import { createLogger, setLogLevel } from '../core/log.js';
import { TTL_SIGNALS } from '../core/config/retention.js';
import { fromRoot } from '../core/paths.js';
import { migrate } from '../schemas/migrate.js';
import type { Signal } from '../schemas/otlp/shapes.js';
import { CLICKSTACK_2_15 } from '../test/fixtures/foreign-layouts.js';
import * as sdk from '../test/fixtures/otel-sdk.js';
import { SIGNALS, generated } from '../test/fixtures/otlp-random.js';
import { startTestReceiver } from '../test/harness/receiver.js';
import { freePort, startTestStack } from '../test/harness/stack.js';
import { startTestWriter } from '../test/harness/writer.js';
import {
  CLICKSTACK_COLLECTORS,
  type ClickStackCollector,
  clickstackBinary,
  clickstackBuilder,
  clickstackCollectorBuilt,
  clickstackCollectorConfig,
} from './lib/clickstack-collector.js';
import { type TableResult, compareRows, tableLayout, tableRows } from './lib/parity-compare.js';
import { type ParityRequest, parityRequests } from './lib/parity-cases.js';
import { BAD_UTF8_SERVICE } from './lib/parity-known.js';
import { type Deferred, type ReportContext, report } from './lib/parity-report.js';

const say = (line: string): void => void process.stderr.write(`parity: ${line}\n`);
const [DB_A, DB_B] = ['parity_a', 'parity_b'];
/** Tables compared: every data table both sides write (the delivery state is tributary's own). */
const TABLES = [
  'otel_logs',
  'hyperdx_sessions',
  'otel_traces',
  'otel_traces_trace_id_ts',
  'otel_metrics_gauge',
  'otel_metrics_sum',
  'otel_metrics_histogram',
  'otel_metrics_exponential_histogram',
  'otel_metrics_summary',
  'otel_logs_kv_rollup_15m',
  'otel_traces_kv_rollup_15m',
];
/** Seeded random records per signal (test/fixtures/otlp-random.ts: every value kind, odd times, bad UTF-8). */
const RANDOM_SEEDS = Number(process.env['PARITY_RANDOM_SEEDS'] ?? 40);
const RAW_TABLES = TABLES.filter((t) => !t.includes('rollup') && !t.endsWith('_trace_id_ts'));

function argument(name: string, allowed: readonly string[], fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  const value = at > 0 ? process.argv[at + 1] : fallback;
  if (value === undefined || !allowed.includes(value))
    throw new Error(`--${name} takes one of ${allowed.join(', ')}`);
  return value;
}
const COLLECTOR = argument('collector', Object.keys(CLICKSTACK_COLLECTORS), '0.165') as ClickStackCollector;
const ATTRIBUTES = argument('attributes', ['map', 'json'], 'map') as 'map' | 'json';
const VERSION = CLICKSTACK_COLLECTORS[COLLECTOR].version;
/**
 * `--from clickstack-2.15`: both databases start as ClickStack 2.15 made them (test/fixtures/
 * foreign-layouts.ts) and are upgraded by `tributary migrate` before anything is written: the rows
 * on an upgraded database compared with the exporter's on the same layout.
 */
const FROM = argument('from', ['empty', 'clickstack-2.15'], 'empty');

async function post(url: string, body: Uint8Array): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/x-protobuf' },
  });
  if (response.status !== 200) say(`${url}: ${response.status} ${(await response.text()).slice(0, 300)}`);
  return response.status;
}

async function waitFor(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function query<T>(client: ReturnType<typeof createClickHouse>, sql: string): Promise<T[]> {
  const result = await client.query({ query: sql, format: 'JSONEachRow' });
  return result.json<T>();
}

async function main(): Promise<void> {
  if (!clickstackCollectorBuilt(COLLECTOR)) {
    say(`building the Collector ${VERSION} (first run, or its builder file changed)`);
    const build = spawnSync(
      'bash',
      [fromRoot('bench', 'collector', 'build.sh'), clickstackBuilder(COLLECTOR)],
      {
        stdio: 'inherit',
      },
    );
    if (build.status !== 0) throw new Error('the Collector build failed (needs Go)');
  }
  say('starting Kafka and the local ClickHouse server');
  setLogLevel('warn');
  const stack = await startTestStack((line) => say(line));
  Object.assign(process.env, stack.env);
  const url = stack.env['TEST_CLICKHOUSE_URL'] ?? '';
  const client = createClickHouse({ url, user: 'default', password: '', database: 'default' });
  const stops: (() => Promise<void>)[] = [];
  let collector: ChildProcess | undefined;
  let unexplained = 0;
  const json = ATTRIBUTES === 'json';
  const migrateOptions = (database: string): Parameters<typeof migrate>[1] => ({
    database,
    ttlDays: 0,
    cluster: '',
    dedupWindow: 10_000,
    attributes: ATTRIBUTES,
    // Upgraded tables keep no TTL either (given explicitly, so migrate removes 2.15's 30 days): a TTL
    // merge dropping the random records' old days on one side only would show as differences.
    ...(FROM === 'empty' ? {} : { explicitRetention: new Set(TTL_SIGNALS) }),
    log: createLogger(),
  });
  try {
    if (FROM === 'clickstack-2.15')
      for (const database of [DB_A, DB_B]) {
        await client.command({ query: `CREATE DATABASE ${database}` });
        for (const ddl of CLICKSTACK_2_15) await client.command({ query: ddl.replaceAll('{db}', database) });
      }
    // In JSON mode the exporter makes B's tables itself (ClickStack's JSON mode); tributary adds its own after.
    for (const database of json ? [DB_A] : [DB_A, DB_B]) await migrate(client, migrateOptions(database));
    const receiver = await startTestReceiver({}, 3);
    stops.push(() => receiver.stop());
    const writer = await startTestWriter(receiver.topics.prefix, DB_A, {
      'writer.logProcessing': 'clickstack',
    });
    stops.push(() => writer.stop());

    const dir = fromRoot('bench', 'results', 'tmp');
    mkdirSync(dir, { recursive: true });
    const httpPort = await freePort();
    const configPath = join(dir, `parity-clickstack-${COLLECTOR}-${ATTRIBUTES}.yaml`);
    writeFileSync(
      configPath,
      clickstackCollectorConfig({
        clickhouseUrl: url,
        database: DB_B,
        httpPort,
        routing: CLICKSTACK_COLLECTORS[COLLECTOR].routing,
        json,
      }),
    );
    const logPath = join(dir, `parity-clickstack-${COLLECTOR}-${ATTRIBUTES}.log`);
    const fd = openSync(logPath, 'w');
    collector = spawn(clickstackBinary(COLLECTOR), ['--config', configPath], { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    const collectorUrl = `http://127.0.0.1:${httpPort}`;
    const up = await waitFor(
      () =>
        fetch(`${collectorUrl}/v1/logs`).then(
          () => true,
          () =>
            collector?.exitCode !== null && Promise.reject(new Error(`the Collector exited; see ${logPath}`)),
        ),
      30_000,
    );
    if (!up) throw new Error(`the Collector did not start; see ${logPath}`);
    say(`Collector ${VERSION} up (config ${configPath}, log ${logPath})`);
    if (json) {
      const made = await waitFor(async () => {
        const rows = await query<{ n: string }>(
          client,
          `SELECT count() AS n FROM system.tables WHERE database = '${DB_B}' AND name IN ('otel_logs', 'otel_traces', 'hyperdx_sessions', 'otel_metrics_gauge')`,
        );
        return Number(rows[0]?.n ?? 0) === 4;
      }, 30_000);
      if (!made) throw new Error(`the exporter did not create its tables in ${DB_B}; see ${logPath}`);
      const result = await migrate(client, migrateOptions(DB_B));
      say(
        `migrate over the exporter's tables: ${result.plan.filter((c) => c.kind === 'change').length} changes`,
      );
    }

    // Fixed times: the start of the current hour, one hour back (inside every clamp window).
    const baseMs = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
    const requests: ParityRequest[] = [
      { label: 'SDK spans', signal: 'traces', body: sdk.spansProtobuf() },
      { label: 'SDK logs', signal: 'logs', body: sdk.logsProtobuf() },
      { label: 'SDK metrics', signal: 'metrics', body: sdk.metricsProtobuf(await sdk.sdkMetrics()) },
      ...parityRequests(baseMs, { finiteVariants: json }),
      ...SIGNALS.flatMap((signal) =>
        Array.from({ length: RANDOM_SEEDS }, (_, k) => ({
          label: `random ${signal} #${k + 1}`,
          signal,
          // JSON mode: without non-finite attributes, which make the exporter refuse the request after
          // its other pipeline may have stored part of it (a logs request fans out to two).
          body: generated(signal, k + 1, true, json),
          random: true,
        })),
      ),
    ];
    const statuses: [string, number, number][] = [];
    const refused: ParityRequest[] = [];
    for (const request of requests) {
      const path = `/v1/${request.signal satisfies Signal}`;
      // A request the Collector refuses is not sent to tributary now: a random one never (its rows would
      // only show that known difference again), another one after the comparison.
      const b = await post(collectorUrl + path, request.body);
      if (b !== 200 && !('random' in request)) refused.push(request);
      const a = b !== 200 ? 0 : await post(receiver.httpUrl + path, request.body);
      say(`${request.label}: tributary ${a}, Collector ${b}`);
      statuses.push([request.label, a, b]);
    }
    // The Collector answered after its INSERTs (no queue, no batch): B is final. Wait for A to catch up.
    const counts = async (database: string, where = ''): Promise<number[]> =>
      Promise.all(
        RAW_TABLES.map(async (t) => {
          const rows = await query<{ n: string }>(
            client,
            `SELECT count() AS n FROM \`${database}\`.\`${t}\` ${where}`,
          );
          return Number(rows[0]?.n ?? 0);
        }),
      );
    // B is final. A must reach B's counts less the rows only the Collector stores (the request
    // tributary's receiver refuses: invalid UTF-8).
    const want = await counts(DB_B, `WHERE ServiceName != '${BAD_UTF8_SERVICE}'`);
    const caughtUp = await waitFor(
      async () => (await counts(DB_A)).every((n, k) => n >= (want[k] ?? 0)),
      90_000,
    );
    if (!caughtUp) say("tributary did not reach the Collector's row counts in 90 s; comparing what is there");
    await new Promise((r) => setTimeout(r, 1500)); // late duplicates would show as extra rows

    const results: TableResult[] = [];
    const layouts: Record<string, string[]> = {};
    for (const table of TABLES) {
      const layout = await tableLayout(client, DB_A, DB_B, table);
      layouts[table] = layout.differences;
      for (const d of layout.differences) process.stdout.write(`${table} layout: ${d}\n`);
      const result = compareRows(
        table,
        await tableRows(client, DB_A, table, layout.select),
        await tableRows(client, DB_B, table, layout.select),
      );
      results.push(result);
      process.stdout.write(
        `${table}: rows A ${result.rowsA}, rows B ${result.rowsB}, identical ${result.identical}, differing ${result.differing} (explained ${result.explained}), only A ${result.onlyA}, only B ${result.onlyB}; unexplained ${result.unexplained}\n`,
      );
      for (const example of result.examples.slice(0, 3))
        for (const diff of example.diffs)
          process.stdout.write(
            `  ${diff.column}${diff.orderOnly ? ' (order only)' : ''}${diff.known ? ` [known: ${diff.known}]` : ''}: A ${JSON.stringify(diff.a)?.slice(0, 200)} | B ${JSON.stringify(diff.b)?.slice(0, 200)}\n`,
          );
      for (const u of result.unpaired.slice(0, 3))
        process.stdout.write(`  only ${u.side}: ${u.row.slice(0, 300)}\n`);
      unexplained += result.unexplained;
    }

    // The requests the Collector refused: what tributary makes of them, one at a time.
    const deferred: Deferred[] = [];
    for (const request of refused) {
      const before = await counts(DB_A);
      const a = await post(receiver.httpUrl + `/v1/${request.signal}`, request.body);
      if (a === 200)
        await waitFor(async () => (await counts(DB_A)).some((n, k) => n > (before[k] ?? 0)), 30_000);
      const after = await counts(DB_A);
      const rows = Object.fromEntries(RAW_TABLES.map((t, k) => [t, (after[k] ?? 0) - (before[k] ?? 0)]));
      const status = statuses.find(([label]) => label === request.label);
      if (status) status[1] = a;
      deferred.push({ label: request.label, collector: status?.[2] ?? 0, tributary: a, rows });
      say(`refused by the Collector: ${request.label}: tributary ${a}, rows ${JSON.stringify(rows)}`);
    }

    const date = new Date().toISOString().slice(0, 10);
    const name = `parity-${date}-${COLLECTOR}${json ? '-json' : ''}${FROM === 'empty' ? '' : `-from-${FROM}`}`;
    const meta = {
      date,
      requests: requests.length,
      collector: VERSION,
      attributes: ATTRIBUTES,
      baseMs,
      statuses,
    };
    writeFileSync(
      fromRoot('bench', 'results', `${name}.json`),
      JSON.stringify({ ...meta, layouts, deferred, tables: results }, null, 2) + '\n',
    );
    const context: ReportContext = {
      collector: COLLECTOR,
      version: VERSION,
      attributes: ATTRIBUTES,
      from: FROM,
    };
    writeFileSync(
      fromRoot('bench', 'results', `${name}.md`),
      report(context, results, layouts, deferred, meta),
    );
    say(`written bench/results/${name}.{md,json}`);
  } finally {
    collector?.kill('SIGTERM');
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await client.close();
    await stack.stop();
  }
  if (unexplained > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
