/**
 * The writer alone, end to end, two builds side by side in one run: the same Kafka records (traces
 * by default, `SIGNAL=logs` for log records; 500 items each, over 3 partitions, produced once) drained by a writer process into a fresh database
 * of the local ClickHouse, each round once per build, alternating. Per run: steady rows/s and rows per
 * writer CPU-second (ClickHouse CPU excluded), as bench/main.ts measures its writer figure; medians
 * of ROUNDS rounds. `npm run bench` has no way to run its writer part alone; this is that part.
 *
 *   node dist/bench/writer-e2e.js                       (this build only)
 *   WRITER_CLIS=old=/path/to/other/dist/cli/main.js node dist/bench/writer-e2e.js
 *       (adds the other build's writer; env ROUNDS=3 RECORDS=400)
 *
 * Profile a writer: WRITER_PROFILE_DIR=/tmp/prof (CPU profiles land there); other Node flags for the
 * writer: WRITER_NODE_ARGS='--trace-gc'; extra writer settings: WRITER_ENV=TRIBUTARY_X=1,TRIBUTARY_Y=2.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createClickHouse } from '../core/clickhouse.js';
import { fromRoot } from '../core/paths.js';
import { migrate } from '../schemas/migrate.js';
import { generateLogs, generateTraces } from '../test/fixtures/generate.js';
import { freshTopics, testKafka } from '../test/harness/kafka.js';
import { freePort, startTestStack } from '../test/harness/stack.js';
import { spawnTributary } from '../test/harness/process.js';
import { median, scrapeMetric, waitHealthy } from './lib/proc.js';
import { drain } from './lib/writer-drain.js';

// Medians need three rounds; a profiling run may take one.
const ROUNDS = Math.max(process.env['WRITER_PROFILE_DIR'] ? 1 : 3, Number(process.env['ROUNDS'] ?? 3));
// 120 records of 500 items per partition: three full 20,000-row batches each, so no partial batch
// waits for the flush interval at the end (that wait is the flush policy, not the drain rate).
const RECORDS = Number(process.env['RECORDS'] ?? 360);
const ITEMS = 500;
const SIGNAL = process.env['SIGNAL'] === 'logs' ? 'logs' : 'traces';
const TABLE = SIGNAL === 'logs' ? 'otel_logs' : 'otel_traces';
const FLUSH_INTERVAL_MS = 2_000;
const CLIS: [string, string][] = [
  ['new', fromRoot('dist', 'cli', 'main.js')],
  ...(process.env['WRITER_CLIS'] ?? '')
    .split(',')
    .filter(Boolean)
    .map((pair) => pair.split('=') as [string, string]),
];
const say = (line: string): void => {
  process.stderr.write(`writer-e2e: ${line}\n`);
};

interface Run {
  readonly build: string;
  readonly rowsPerSecond: number;
  readonly rowsPerCpuSecond: number;
  readonly peakRssMiB: number;
  /** Largest event-loop delay of the writer since it was ready. */
  readonly loopMaxMs: number;
}

async function main(): Promise<void> {
  const stack = await startTestStack(say);
  Object.assign(process.env, stack.env);
  const brokers = stack.env['TEST_KAFKA_BROKERS']!;
  const clickhouseUrl = stack.env['TEST_CLICKHOUSE_URL']!;
  const client = createClickHouse({ url: clickhouseUrl, user: 'default', password: '', database: 'default' });
  const logDir = fromRoot('bench', 'results', 'tmp');
  mkdirSync(logDir, { recursive: true });
  const runs: Run[] = [];
  try {
    const topics = await freshTopics(3);
    const bodies = Array.from({ length: 40 }, (_, i) =>
      (SIGNAL === 'logs' ? generateLogs : generateTraces)({
        seed: 1000 + i,
        resources: 1,
        scopesPerResource: 1,
        itemsPerScope: ITEMS,
      }),
    );
    const producer = testKafka(brokers.split(','), 'bench').producer({
      compression: 'none',
      timeoutMs: 30_000,
    });
    try {
      // One record per partition per call: under the broker's default 1 MB message.max.bytes.
      for (let i = 0; i < RECORDS; i += 3)
        await producer.send(
          Array.from({ length: Math.min(3, RECORDS - i) }, (_, j) => ({
            topic: topics[SIGNAL],
            partition: (i + j) % 3,
            key: null,
            value: bodies[(i + j) % bodies.length]!,
            headers: {},
          })),
        );
    } finally {
      await producer.close();
    }
    const expected = RECORDS * ITEMS;
    for (let round = 0; round < ROUNDS; round++)
      for (const [build, cli] of CLIS) {
        const database = `bench_writer_${build}_${round}_${Date.now()}`;
        await migrate(client, { database, ttlDays: 0, cluster: '', dedupWindow: 10_000 });
        const health = await freePort();
        const metricsPort = await freePort();
        const profile = process.env['WRITER_PROFILE_DIR'];
        const child = spawnTributary(
          'writer',
          {
            TRIBUTARY_KAFKA_BROKERS: brokers,
            TRIBUTARY_CLICKHOUSE_URL: clickhouseUrl,
            TRIBUTARY_CLICKHOUSE_DATABASE: database,
            TRIBUTARY_TOPICS_PREFIX: topics.prefix,
            TRIBUTARY_WRITER_SIGNALS: SIGNAL,
            // Each run reads the topic from the start under its own group.
            TRIBUTARY_WRITER_GROUP_ID: `bench-${build}-${round}-${Date.now()}`,
            TRIBUTARY_WRITER_FLUSH_INTERVAL_MS: String(FLUSH_INTERVAL_MS),
            TRIBUTARY_WRITER_HEALTH_PORT: String(health),
            TRIBUTARY_WRITER_METRICS_PORT: String(metricsPort),
            TRIBUTARY_LOG_LEVEL: 'error',
            // Extra writer settings for one run, e.g. WRITER_ENV=TRIBUTARY_WRITER_MAX_BUFFERED_BYTES=33554432
            ...Object.fromEntries(
              (process.env['WRITER_ENV'] ?? '')
                .split(',')
                .filter(Boolean)
                .map((pair) => pair.split('=') as [string, string]),
            ),
          },
          join(logDir, `writer-e2e-${build}-${round}.log`),
          {
            cli,
            nodeArgs: [
              ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []),
              // e.g. WRITER_NODE_ARGS=--trace-gc (flags Node refuses in NODE_OPTIONS)
              ...(process.env['WRITER_NODE_ARGS'] ?? '').split(' ').filter(Boolean),
            ],
          },
        );
        const spawned = performance.now();
        await waitHealthy(`http://127.0.0.1:${health}/health`);
        const drained = await drain(client, database, expected, spawned, child.process.pid!, TABLE);
        const loopMaxMs =
          ((await scrapeMetric(`http://127.0.0.1:${metricsPort}/metrics`, 'nodejs_eventloop_delay_max')) ??
            NaN) * 1000;
        await child.kill('SIGTERM');
        if (drained.rows !== expected) throw new Error(`${build}: ${drained.rows} rows of ${expected}`);
        const run: Run = {
          build,
          rowsPerSecond: drained.steadyRowsPerSecond,
          rowsPerCpuSecond: drained.rowsPerCpuSecond,
          peakRssMiB: drained.peakRssBytes / 2 ** 20,
          loopMaxMs,
        };
        say(
          `round ${round + 1} ${build}: ${Math.round(run.rowsPerSecond)} rows/s, ${Math.round(run.rowsPerCpuSecond)} rows/CPU-s, peak RSS ${Math.round(run.peakRssMiB)} MiB, event loop max ${Math.round(run.loopMaxMs)} ms`,
        );
        runs.push(run);
        await client.command({ query: `DROP DATABASE IF EXISTS \`${database}\`` });
      }
  } finally {
    await client.close();
    await stack.stop();
  }
  console.log(`writer alone: ${RECORDS} ${SIGNAL} records of ${ITEMS} items, median of ${ROUNDS} rounds`);
  console.log(
    'build | rows/s | rows per writer CPU-s | peak RSS MiB | event loop max ms | rounds (rows/CPU-s)',
  );
  for (const [build] of CLIS) {
    const mine = runs.filter((r) => r.build === build);
    console.log(
      `${build} | ${Math.round(median(mine.map((r) => r.rowsPerSecond)))} | ${Math.round(median(mine.map((r) => r.rowsPerCpuSecond)))} | ${Math.round(Math.max(...mine.map((r) => r.peakRssMiB)))} | ${Math.round(Math.max(...mine.map((r) => r.loopMaxMs)))} | ${mine.map((r) => Math.round(r.rowsPerCpuSecond)).join(' ')}`,
    );
  }
}

await main();
