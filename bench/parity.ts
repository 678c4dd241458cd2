/**
 * Row-by-row differential test against the OpenTelemetry Collector configured as the ClickStack
 * collector (bench/lib/clickstack-collector.ts): the same OTLP requests go to
 *
 *   A: tributary — receiver → Kafka → writer (`writer.logProcessing: clickstack`) into `parity_a`;
 *   B: the Collector v0.149.0 — otlp → routing connector / transform → clickhouseexporter into `parity_b`;
 *
 * both databases made by `tributary migrate` on one local ClickHouse server. Then every table is
 * compared row by row (bench/lib/parity-compare.ts) and the result written to
 * bench/results/parity-<date>.{md,json}. Builds the Collector on first use (needs Go).
 *
 *   npm run parity
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClickHouse } from '../core/clickhouse.js';
import { createLogger, setLogLevel } from '../core/log.js';
import { fromRoot } from '../core/paths.js';
import { migrate } from '../schemas/migrate.js';
import type { Signal } from '../schemas/otlp/shapes.js';
import * as sdk from '../test/fixtures/otel-sdk.js';
import { SIGNALS, generated } from '../test/fixtures/otlp-random.js';
import { startTestReceiver } from '../test/harness/receiver.js';
import { freePort, startTestStack } from '../test/harness/stack.js';
import { startTestWriter } from '../test/harness/writer.js';
import {
  CLICKSTACK_BINARY,
  CLICKSTACK_BUILDER,
  clickstackCollectorBuilt,
  clickstackCollectorConfig,
} from './lib/clickstack-collector.js';
import { type TableResult, compareRows, tableRows } from './lib/parity-compare.js';
import { type ParityRequest, parityRequests } from './lib/parity-cases.js';
import { BAD_UTF8_SERVICE } from './lib/parity-known.js';

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

function report(results: TableResult[], meta: Record<string, unknown>): string {
  const lines = [
    `# Differential test against the Collector (${String(meta['date'])})`,
    '',
    `\`npm run parity\`: the same ${String(meta['requests'])} OTLP requests into tributary (A, receiver → Kafka → writer, ` +
      '`writer.logProcessing: clickstack`) and into the OpenTelemetry Collector v0.149.0 built as the ClickStack ' +
      'collector (B, otlp → routing connector → transform → clickhouseexporter, `create_schema: false`), both into ' +
      'databases made by `tributary migrate` on the local ClickHouse server. Columns compared: all but ALIAS ones; ' +
      'the view-fed tables in their read form (trace id min/max, rollup `sum(count)`). Differences and what was done ' +
      'about each: docs/schema.md, "Differences from the Collector".',
    '',
    '| table | rows A | rows B | identical | differing (explained) | only A | only B | unexplained | known differences (rows) |',
    '|---|---|---|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.table} | ${r.rowsA} | ${r.rowsB} | ${r.identical} | ${r.differing} (${r.explained}) | ${r.onlyA} | ${r.onlyB} | ` +
        `**${r.unexplained}** | ${Object.entries(r.known)
          .map(([c, n]) => `${c} (${n})`)
          .join('; ')} |`,
    ),
    '',
    '| request | tributary | Collector |',
    '|---|---|---|',
    ...(meta['statuses'] as [string, number, number][]).map(
      ([label, a, b]) => `| ${label} | ${a === 0 ? 'not sent' : a} | ${b} |`,
    ),
  ];
  for (const r of results.filter((x) => x.examples.length || x.unpaired.length)) {
    lines.push('', `## ${r.table}`, '');
    for (const example of r.examples.slice(0, 4))
      for (const diff of example.diffs)
        lines.push(
          `- \`${diff.column}\`${diff.orderOnly ? ' (entry order only)' : ''}${diff.known ? ` (known: ${diff.known})` : ''}: A \`${JSON.stringify(diff.a)}\` / B \`${JSON.stringify(diff.b)}\``,
        );
    for (const u of r.unpaired.slice(0, 4))
      lines.push(`- only in ${u.side}${u.known ? ` (known: ${u.known})` : ''}: \`${u.row.slice(0, 400)}\``);
  }
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  if (!clickstackCollectorBuilt()) {
    say('building the Collector (first run, or its builder file changed)');
    const build = spawnSync('bash', [fromRoot('bench', 'collector', 'build.sh'), CLICKSTACK_BUILDER], {
      stdio: 'inherit',
    });
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
  try {
    for (const database of [DB_A, DB_B])
      await migrate(client, { database, ttlDays: 0, cluster: '', dedupWindow: 10_000, log: createLogger() });
    const receiver = await startTestReceiver({}, 3);
    stops.push(() => receiver.stop());
    const writer = await startTestWriter(receiver.topics.prefix, DB_A, {
      'writer.logProcessing': 'clickstack',
    });
    stops.push(() => writer.stop());

    const dir = fromRoot('bench', 'results', 'tmp');
    mkdirSync(dir, { recursive: true });
    const httpPort = await freePort();
    const configPath = join(dir, 'parity-clickstack.yaml');
    writeFileSync(configPath, clickstackCollectorConfig({ clickhouseUrl: url, database: DB_B, httpPort }));
    const logPath = join(dir, 'parity-clickstack.log');
    const fd = openSync(logPath, 'w');
    collector = spawn(CLICKSTACK_BINARY, ['--config', configPath], { stdio: ['ignore', fd, fd] });
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
    say(`Collector up (config ${configPath}, log ${logPath})`);

    // Fixed times: the start of the current hour, one hour back (inside every clamp window).
    const baseMs = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
    const requests: ParityRequest[] = [
      { label: 'SDK spans', signal: 'traces', body: sdk.spansProtobuf() },
      { label: 'SDK logs', signal: 'logs', body: sdk.logsProtobuf() },
      { label: 'SDK metrics', signal: 'metrics', body: sdk.metricsProtobuf(await sdk.sdkMetrics()) },
      ...parityRequests(baseMs),
      ...SIGNALS.flatMap((signal) =>
        Array.from({ length: RANDOM_SEEDS }, (_, k) => ({
          label: `random ${signal} #${k + 1}`,
          signal,
          body: generated(signal, k + 1, true),
          random: true,
        })),
      ),
    ];
    const statuses: [string, number, number][] = [];
    for (const request of requests) {
      const path = `/v1/${request.signal satisfies Signal}`;
      // A random request the Collector refuses (a typeless metric) is not sent to tributary: its rows
      // would only show that known difference again.
      const b = await post(collectorUrl + path, request.body);
      const a = 'random' in request && b !== 200 ? 0 : await post(receiver.httpUrl + path, request.body);
      say(`${request.label}: tributary ${a}, Collector ${b}`);
      statuses.push([request.label, a, b]);
    }
    // The Collector answered after its INSERTs (no queue, no batch): B is final. Wait for A to catch up.
    const counts = async (database: string, where = ''): Promise<number[]> =>
      Promise.all(
        RAW_TABLES.map(async (t) => {
          const result = await client.query({
            query: `SELECT count() AS n FROM \`${database}\`.\`${t}\` ${where}`,
            format: 'JSONEachRow',
          });
          return Number((await result.json<{ n: string }>())[0]?.n ?? 0);
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
    for (const table of TABLES) {
      const result = compareRows(
        table,
        await tableRows(client, DB_A, table),
        await tableRows(client, DB_B, table),
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
    const date = new Date().toISOString().slice(0, 10);
    const meta = { date, requests: requests.length, collector: 'v0.149.0', baseMs, statuses };
    writeFileSync(
      fromRoot('bench', 'results', `parity-${date}.json`),
      JSON.stringify({ ...meta, tables: results }, null, 2) + '\n',
    );
    writeFileSync(fromRoot('bench', 'results', `parity-${date}.md`), report(results, meta));
    say(`written bench/results/parity-${date}.{md,json}`);
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
