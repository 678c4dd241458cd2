/**
 * The bench's writer part alone (what `npm run bench` runs after its receivers): tributary's writer
 * (per insert-compression setting when the build has one), the OpenTelemetry Collector as a writer,
 * Rotel's ClickHouse exporter and the raw-insert ceiling over the same records, ROUNDS rounds in
 * turn, medians, with the bytes each sends to ClickHouse per row. Prints the markdown table and the
 * JSON `writer` object of the bench.
 *
 *   npm run bench:writer                      (env as npm run bench: BENCH_ROUNDS, BENCH_WRITER_RECORDS,
 *                                              BENCH_COLLECTOR=0: no peer build or install, built ones
 *                                              run; BENCH_ROTEL=0: no Rotel; BENCH_WRITER_COMPRESSION)
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createClickHouse } from '../core/clickhouse.js';
import { setLogLevel } from '../core/log.js';
import { fromRoot } from '../core/paths.js';
import type { Child } from '../test/harness/process.js';
import { startTestStack } from '../test/harness/stack.js';
import { type RunningCollector, collectorWriterSkip, ensureCollector } from './lib/collector.js';
import { ensureRotel } from './lib/rotel.js';
import { cleanUpOnSignals } from './lib/signals.js';
import { writerBench } from './lib/writer-bench.js';
import { spawnBenchWriter } from './lib/writer-process.js';
import { writerMarkdown } from './lib/writer-report.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const RECORDS = Number(process.env['BENCH_WRITER_RECORDS'] ?? 360);

const say = (line: string): void => {
  process.stderr.write(`bench:writer: ${line}\n`);
};

async function main(): Promise<void> {
  setLogLevel('warn'); // migrate's per-file lines
  const collectorSkip = collectorWriterSkip(ensureCollector(say));
  const rotelSkip = ensureRotel(say);
  const stack = await startTestStack(say);
  const brokers = stack.env['TEST_KAFKA_BROKERS']!;
  const clickhouseUrl = stack.env['TEST_CLICKHOUSE_URL']!;
  Object.assign(process.env, stack.env);
  const logDir = fromRoot('bench', 'results', 'tmp');
  mkdirSync(logDir, { recursive: true });
  const children: Child[] = [];
  const collectors: RunningCollector[] = [];
  const cleanUp = async (): Promise<void> => {
    await Promise.allSettled([...children.map((c) => c.kill('SIGTERM')), ...collectors.map((c) => c.stop())]);
  };
  cleanUpOnSignals(async () => {
    await cleanUp();
    await stack.stop();
  });
  const client = createClickHouse({ url: clickhouseUrl, user: 'default', password: '', database: 'default' });
  try {
    const result = await writerBench({
      brokers,
      clickhouseUrl,
      client,
      records: RECORDS,
      itemsPerRecord: 500,
      rounds: ROUNDS,
      batchRows: 20_000,
      flushIntervalMs: 2_000,
      logDir,
      collectorSkip,
      rotelSkip,
      async startWriter({ name, ...o }) {
        const { child } = await spawnBenchWriter({
          ...o,
          brokers,
          signal: 'traces',
          flushIntervalMs: 2_000,
          logFile: join(logDir, `${name}.log`),
        });
        children.push(child);
        return { pid: child.process.pid!, stop: () => child.kill('SIGTERM') };
      },
      track: (c) => collectors.push(c),
      say,
    });
    process.stdout.write(
      `${writerMarkdown(result).join('\n')}\n\n${JSON.stringify({ ...result, perRound: undefined }, null, 2)}\n`,
    );
  } finally {
    await cleanUp();
    await client.close();
    await stack.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
