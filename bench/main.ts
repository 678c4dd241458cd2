/**
 * The benchmark: tributary side by side with its peers, the OpenTelemetry Collector and Rotel, on one
 * Kafka, on the same cores, with seeded load (bench/lib/receiver-bench.ts); then the writer beside the
 * Collector and Rotel as writers and the raw-insert ceiling, with the bytes each sends to ClickHouse
 * (bench/lib/writer-bench.ts; `npm run bench:writer` runs that part alone), end-to-end latency at half
 * of the measured maximum, event-loop delay, and memory under 2× overload. Prints the figures and the
 * targets (pass/fail) and writes bench/results/<date>.json and .md.
 *
 *   npm run bench                       full run (builds the Collector from the Go module proxy and
 *                                       installs Rotel from its PyPI wheel first; BENCH_ROTEL=0: no Rotel)
 *   npm run bench -- --save-baseline    also writes bench/baseline.json
 *   BENCH_SECONDS=3 BENCH_ROUNDS=1 BENCH_COLLECTOR=0 npm run bench   a quick smoke: no peer build or
 *                                       install and no receiver comparison (the writer part runs the
 *                                       peers that are already there)
 *   (BENCH_RESULTS_DIR=<dir> writes the results there instead of bench/results)
 *
 * When bench/baseline.json exists the headline figures are compared with it (ratio now ÷ baseline).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClickHouse } from '../core/clickhouse.js';
import { fromRoot } from '../core/paths.js';
import { migrate } from '../schemas/migrate.js';
import { generateLogs, generateMetrics, generateTraces } from '../test/fixtures/generate.js';
import { freshTopics } from '../test/harness/kafka.js';
import { type Child, spawnTributary } from '../test/harness/process.js';
import { freePort, startTestStack } from '../test/harness/stack.js';
import { type RunningCollector, collectorWriterSkip, ensureCollector } from './lib/collector.js';
import { type Signal } from './lib/load.js';
import { endToEnd } from './lib/end-to-end.js';
import { endToEndMarkdown, endToEndTargets } from './lib/end-to-end-report.js';
import {
  BEST_PEER,
  type ReceiverBenchResult,
  receiverBench,
  receiverMarkdown,
} from './lib/receiver-bench.js';
import { ensureRotel } from './lib/rotel.js';
import { peakRssBytes, waitHealthy } from './lib/proc.js';
import { spawnBenchWriter } from './lib/writer-process.js';
import { loadConfig } from '../core/config/load.js';
import { writerMemoryBytes } from '../writer/setup.js';
import { receiverMemoryBytes } from '../receiver/admission.js';
import { type Headline, type Target, compareMarkdown, passes, targetsMarkdown } from './lib/report.js';
import { type OverloadResult, RETRYABLE_OR_OK, overloadLine, overloadRun } from './lib/overload.js';
import { cleanUpOnSignals } from './lib/signals.js';
import { writerBench } from './lib/writer-bench.js';
import { writerMarkdown } from './lib/writer-report.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 8);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const CLIENTS = Number(process.env['BENCH_CLIENTS'] ?? 8);
// 120 records of 500 spans per partition: three full 20,000-row batches each, so no partial batch
// waits for the flush interval at the end (that wait is the flush policy, not the drain rate).
const WRITER_RECORDS = Number(process.env['BENCH_WRITER_RECORDS'] ?? 360);
// writer.batchRows' default; the Collector writer's batch processor gets the same size.
const WRITER_BATCH_ROWS = 20_000;
const FLUSH_INTERVAL_MS = 2_000;
const ITEMS: Record<Signal, number> = { traces: 500, logs: 500, metrics: 500 };
const SIGNALS: readonly Signal[] = ['traces', 'logs', 'metrics'];

const say = (line: string): void => {
  process.stderr.write(`bench: ${line}\n`);
};

function bodiesFor(signal: Signal, count: number, firstSeed = 1): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => {
    const shape = { seed: firstSeed + i, resources: 1, scopesPerResource: 1 };
    if (signal === 'traces') return generateTraces({ ...shape, itemsPerScope: ITEMS.traces });
    if (signal === 'logs') return generateLogs({ ...shape, itemsPerScope: ITEMS.logs });
    return generateMetrics({ ...shape, itemsPerScope: ITEMS.metrics / 10 }); // 10 points per metric
  });
}

async function main(): Promise<void> {
  const saveBaseline = process.argv.includes('--save-baseline');
  const collectorSkip = ensureCollector(say);
  const rotelSkip = ensureRotel(say);
  const started = Date.now();
  const stack = await startTestStack(say);
  Object.assign(process.env, stack.env);
  const brokers = stack.env['TEST_KAFKA_BROKERS']!;
  const clickhouseUrl = stack.env['TEST_CLICKHOUSE_URL']!;
  const logDir = fromRoot('bench', 'results', 'tmp');
  mkdirSync(logDir, { recursive: true });
  const children: Child[] = [];
  const collectors: RunningCollector[] = [];
  cleanUpOnSignals(async () => {
    await Promise.allSettled([...children.map((c) => c.kill('SIGTERM')), ...collectors.map((c) => c.stop())]);
    await stack.stop();
  });
  const client = createClickHouse({ url: clickhouseUrl, user: 'default', password: '', database: 'default' });
  const startReceiver = async (
    prefix: string,
    name: string,
    extra: { nodeArgs?: readonly string[]; env?: Readonly<Record<string, string>> } = {},
  ): Promise<{ child: Child; http: number; grpc: number; metrics: number }> => {
    const http = await freePort();
    const grpc = await freePort();
    const health = await freePort();
    const metrics = await freePort();
    const child = spawnTributary(
      'receiver',
      {
        TRIBUTARY_KAFKA_BROKERS: brokers,
        TRIBUTARY_TOPICS_PREFIX: prefix,
        TRIBUTARY_RECEIVER_HTTP_PORT: String(http),
        TRIBUTARY_RECEIVER_GRPC_PORT: String(grpc),
        TRIBUTARY_RECEIVER_HEALTH_PORT: String(health),
        TRIBUTARY_RECEIVER_METRICS_PORT: String(metrics),
        TRIBUTARY_LOG_LEVEL: 'error',
        ...extra.env,
      },
      join(logDir, `${name}.log`),
      { nodeArgs: extra.nodeArgs ?? [] },
    );
    children.push(child);
    await waitHealthy(`http://127.0.0.1:${health}/ready`);
    return { child, http, grpc, metrics };
  };
  const startWriter = async (
    prefix: string,
    database: string,
    signal: Signal,
    name: string,
    groupId?: string,
    where: {
      clickhouseUrl?: string;
      env?: Readonly<Record<string, string>>;
      nodeArgs?: readonly string[];
    } = {},
  ): Promise<{ child: Child; metrics: number }> => {
    const writer = await spawnBenchWriter({
      brokers,
      clickhouseUrl: where.clickhouseUrl ?? clickhouseUrl,
      ...(where.env ? { env: where.env } : {}),
      ...(where.nodeArgs ? { nodeArgs: where.nodeArgs } : {}),
      prefix,
      database,
      signal,
      ...(groupId ? { groupId } : {}),
      flushIntervalMs: FLUSH_INTERVAL_MS,
      logFile: join(logDir, `${name}.log`),
    });
    children.push(writer.child);
    return writer;
  };

  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: (await import('node:os')).cpus().length,
    seconds: SECONDS,
    rounds: ROUNDS,
    clients: CLIENTS,
    itemsPerRequest: ITEMS,
  };
  const targets: Target[] = [];
  try {
    // ---- Receivers side by side (bench/lib/receiver-bench.ts) --------------------------------
    const ours = await startReceiver((await freshTopics(6)).prefix, 'receiver');
    const oursPid = ours.child.process.pid!;
    const bodies = Object.fromEntries(SIGNALS.map((s) => [s, bodiesFor(s, 16)])) as Record<
      Signal,
      Uint8Array[]
    >;
    const receiver = await receiverBench({
      brokers: brokers.split(','),
      ours: { pid: oursPid, http: ours.http, grpc: ours.grpc },
      bodies,
      items: ITEMS,
      clients: CLIENTS,
      seconds: SECONDS,
      rounds: ROUNDS,
      logDir,
      collectorSkip,
      // The receiver comparison needs peers started: BENCH_COLLECTOR=0 (the CI smoke) runs none.
      rotelSkip: collectorSkip === 'BENCH_COLLECTOR=0' ? 'BENCH_COLLECTOR=0' : rotelSkip,
      track: (c) => collectors.push(c),
      say,
    });
    results['receiver'] = receiver;
    for (const signal of SIGNALS)
      for (const transport of ['http/protobuf', 'grpc']) {
        if (transport === 'grpc' && signal !== 'traces') continue;
        const best = receiver.peerRatios.find(
          (r) => r.signal === signal && r.transport === transport && r.against === BEST_PEER,
        );
        targets.push({
          name: `receiver items per CPU-second ÷ best peer (the Collector durable, Rotel), ${transport === 'grpc' ? 'OTLP/gRPC' : 'OTLP/HTTP protobuf'} ${signal}`,
          measured: best?.ratio ?? Number.NaN,
          limit: 1.5,
          kind: 'min',
          unit: '×',
          ...(best ? {} : { skipped: collectorSkip ?? rotelSkip ?? 'no peer run' }),
        });
      }
    const receiverPeak = peakRssBytes(oursPid);

    // ---- 2× overload: shed with retryable answers, memory bounded, nothing dropped silently ------
    const overloadTopics = await freshTopics(6);
    const overloaded = await startReceiver(overloadTopics.prefix, 'receiver-overload');
    say(
      `2× overload: twice the capacity a closed loop measures just before, ${ITEMS.traces} spans per request`,
    );
    const overload = await overloadRun(
      { pid: overloaded.child.process.pid!, http: overloaded.http, topic: overloadTopics.traces },
      bodies.traces,
      ITEMS.traces,
      { factor: 2, seconds: SECONDS, clients: CLIENTS },
    );
    say(
      `2× overload: capacity ${overload.capacityRequestsPerSecond.toFixed(0)} requests/s, offered ${overload.offeredRequestsPerSecond.toFixed(0)}, refused ${(100 * overload.shedShare).toFixed(0)}%`,
    );
    const overloadPeak = overload.rssPeakBytes;
    const normalPeak = overload.rssBeforeBytes;
    const acked = overload.ackedRequests;
    const inKafka = overload.recordsInKafka;
    const unexpected = Object.entries(overload.statuses).filter(([s]) => !RETRYABLE_OR_OK.includes(s));
    results['overload'] = overload;
    targets.push({
      name: 'receiver peak RSS under 2× overload ÷ at normal load',
      measured: overloadPeak / normalPeak,
      limit: 2,
      kind: 'max',
      unit: '×',
    });
    // The bound docs/operations.md states for the receiver's default settings.
    const receiverBound = receiverMemoryBytes(loadConfig({ env: {}, overrides: {} }).config);
    targets.push({
      name: 'receiver peak RSS under 2× overload within its bound from the settings',
      measured: overloadPeak / 2 ** 20,
      limit: receiverBound / 2 ** 20,
      kind: 'max',
      unit: 'MiB',
    });
    targets.push({
      name: 'acknowledged requests missing from Kafka under overload',
      measured: Math.max(0, acked - inKafka),
      limit: 0,
      kind: 'max',
      unit: 'requests',
    });
    targets.push({
      name: 'answers other than 200/429/503 under overload',
      measured: unexpected.reduce((a, [, n]) => a + n, 0),
      limit: 0,
      kind: 'max',
      unit: 'requests',
    });
    await overloaded.child.kill('SIGTERM');

    // ---- Writer vs the Collector as a writer and the raw insert ceiling (bench/lib/writer-bench.ts) --
    const writerResult = await writerBench({
      brokers,
      clickhouseUrl,
      client,
      records: WRITER_RECORDS,
      itemsPerRecord: ITEMS.traces,
      rounds: ROUNDS,
      batchRows: WRITER_BATCH_ROWS,
      flushIntervalMs: FLUSH_INTERVAL_MS,
      logDir,
      collectorSkip: collectorWriterSkip(collectorSkip),
      rotelSkip,
      startWriter: async (o) => {
        const { child } = await startWriter(o.prefix, o.database, 'traces', o.name, o.groupId, {
          clickhouseUrl: o.clickhouseUrl,
          env: o.env,
        });
        return { pid: child.process.pid!, stop: () => child.kill('SIGTERM') };
      },
      track: (c) => collectors.push(c),
      say,
    });
    results['writer'] = writerResult;
    const steadyRowsPerCpuSecond = writerResult['steadyRowsPerWriterCpuSecond'] as number;
    const writerPeakRss = writerResult['peakRssBytes'] as number;
    const overCeiling = writerResult['overCeiling'] as number;
    targets.push({
      name: 'writer spans per writer CPU-second (steady, ClickHouse CPU excluded)',
      measured: steadyRowsPerCpuSecond,
      limit: 100_000,
      kind: 'min',
      unit: 'rows/CPU-s',
    });
    // The bound docs/operations.md states, for the bench writer's settings (one signal, defaults).
    const writerBound = writerMemoryBytes(
      loadConfig({ env: {}, overrides: { 'writer.signals': 'traces' } }).config,
    );
    targets.push({
      name: 'writer peak RSS (backlog drain) within its bound from the settings',
      measured: writerPeakRss / 2 ** 20,
      limit: writerBound / 2 ** 20,
      kind: 'max',
      unit: 'MiB',
    });
    targets.push({
      name: 'writer rows/s ÷ raw insert of the same rows',
      measured: overCeiling,
      limit: 0.8,
      kind: 'min',
      unit: '×',
    });

    // ---- End to end at half of the pipeline's maximum: sent → queryable (bench/lib/end-to-end.ts) --
    const e2eTopics = await freshTopics(3);
    const e2eDb = `bench_e2e_${Date.now()}`;
    await migrate(client, { database: e2eDb, ttlDays: 0, cluster: '', dedupWindow: 10_000 });
    const gapsFile = (name: string): string => join(logDir, `${name}-loop-gaps.json`);
    const preload = { nodeArgs: [`--import=${fromRoot('dist', 'bench', 'lib', 'loop-gaps.js')}`] };
    const e2eReceiver = await startReceiver(e2eTopics.prefix, 'receiver-e2e', {
      ...preload,
      env: { LOOP_GAPS_FILE: gapsFile('receiver-e2e') },
    });
    const e2eWriter = await startWriter(e2eTopics.prefix, e2eDb, 'logs', 'writer-e2e', undefined, {
      ...preload,
      env: { LOOP_GAPS_FILE: gapsFile('writer-e2e') },
    });
    // Start-up is not a stall of the running service: the preloads count from readiness.
    for (const child of [e2eReceiver.child, e2eWriter.child]) child.process.kill('SIGUSR2');
    const e2e = await endToEnd({
      client,
      database: e2eDb,
      receiver: {
        pid: e2eReceiver.child.process.pid!,
        http: e2eReceiver.http,
        metrics: e2eReceiver.metrics,
        loopGapsFile: gapsFile('receiver-e2e'),
      },
      writer: {
        pid: e2eWriter.child.process.pid!,
        metrics: e2eWriter.metrics,
        loopGapsFile: gapsFile('writer-e2e'),
      },
      seconds: Math.max(SECONDS, 10),
      calibrationSeconds: Math.max(SECONDS, FLUSH_INTERVAL_MS / 1000 + 4),
      flushIntervalMs: FLUSH_INTERVAL_MS,
      clients: CLIENTS,
      say,
    });
    results['endToEnd'] = {
      ...e2e,
      flushIntervalSeconds: FLUSH_INTERVAL_MS / 1000,
      peakRssBytes: {
        receiver: peakRssBytes(e2eReceiver.child.process.pid!),
        writer: peakRssBytes(e2eWriter.child.process.pid!),
      },
    };
    targets.push(...endToEndTargets(e2e, FLUSH_INTERVAL_MS));

    results['peakRssBytes'] = { ...receiver.peakRssBytes, tributary: receiverPeak };
  } finally {
    await Promise.allSettled([...children.map((c) => c.kill('SIGTERM')), ...collectors.map((c) => c.stop())]);
    await client.close();
    await stack.stop();
  }
  results['targets'] = targets.map((t) => ({ ...t, pass: passes(t) }));
  results['totalSeconds'] = (Date.now() - started) / 1000;

  // ---- Report --------------------------------------------------------------------------------
  const receiver = results['receiver'] as ReceiverBenchResult;
  const writer = results['writer'] as { steadyRowsPerSecond: number; steadyRowsPerWriterCpuSecond: number };
  const e2e = results['endToEnd'] as { p50Seconds: number; p99Seconds: number };
  const headlines: Headline[] = [
    ...receiver.medians
      .filter((m) => m.system === 'tributary')
      .map((m) => ({
        name: `receiver ${m.signal} ${m.transport} items/CPU-s`,
        value: Math.round(m.itemsPerCpuSecond),
        higherIsBetter: true,
      })),
    { name: 'writer steady rows/s', value: Math.round(writer.steadyRowsPerSecond), higherIsBetter: true },
    {
      name: 'writer rows/CPU-s',
      value: Math.round(writer.steadyRowsPerWriterCpuSecond),
      higherIsBetter: true,
    },
    { name: 'end-to-end p99 s', value: e2e.p99Seconds, higherIsBetter: false },
  ];
  results['headlines'] = headlines;
  const markdown = [
    `# Benchmark ${String(results['date'])}`,
    '',
    `Node ${process.version}, ${String(results['cpus'])} CPUs shared by Kafka, ClickHouse, the load generator and the system under test; ${ROUNDS} round(s) of ${SECONDS} s, ${CLIENTS} clients, medians.`,
    '',
    '## Receivers (OTLP → Kafka, acks=all)',
    '',
    ...receiverMarkdown(receiver),
    '',
    '## Writer (→ ClickHouse, the same records)',
    '',
    ...writerMarkdown(results['writer'] as Record<string, unknown>),
    '',
    '## 2× overload (one receiver, OTLP/HTTP traces)',
    '',
    overloadLine(results['overload'] as OverloadResult),
    '',
    '## End to end (receiver → Kafka → writer → ClickHouse, logs)',
    '',
    ...endToEndMarkdown(results['endToEnd'] as Record<string, unknown>),
    '',
    '## Targets',
    '',
    targetsMarkdown(targets),
  ];
  const baselinePath = fromRoot('bench', 'baseline.json');
  if (existsSync(baselinePath)) {
    const baseline = JSON.parse(readFileSync(baselinePath, 'utf8')) as {
      date: string;
      headlines: Headline[];
    };
    markdown.push(
      '',
      `## Compared with the baseline of ${baseline.date}`,
      '',
      compareMarkdown(headlines, baseline.headlines),
    );
  }
  const day = new Date().toISOString().slice(0, 10);
  // BENCH_RESULTS_DIR: somewhere else than the committed results (the CI smoke run).
  const resultsDir = process.env['BENCH_RESULTS_DIR'] ?? fromRoot('bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const jsonPath = join(resultsDir, `${day}.json`);
  writeFileSync(jsonPath, JSON.stringify(results, null, 2) + '\n');
  writeFileSync(join(resultsDir, `${day}.md`), markdown.join('\n') + '\n');
  if (saveBaseline)
    writeFileSync(baselinePath, JSON.stringify({ date: results['date'], headlines }, null, 2) + '\n');
  process.stdout.write(
    markdown.join('\n') +
      `\n\nwritten to ${jsonPath} and ${day}.md${saveBaseline ? ' (and bench/baseline.json)' : ''}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
