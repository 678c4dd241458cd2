/**
 * Soak: the whole pipeline (receiver → Kafka → writer → ClickHouse) at 70% of its measured maximum for
 * SOAK_MINUTES (default 15), sampling every 10 s the receiver's and writer's RSS, the writer's lag and
 * the rows in ClickHouse. Passes when RSS and lag stay flat (the last third is no higher than the
 * first third plus a margin) and every acknowledged item arrived.
 *
 *   npm run soak                      15 minutes
 *   SOAK_MINUTES=2 npm run soak       a short run
 *
 * Writes bench/results/<date>-soak.json and .md.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClickHouse } from '../core/clickhouse.js';
import { fromRoot } from '../core/paths.js';
import { migrate } from '../schemas/migrate.js';
import { generateLogs } from '../test/fixtures/generate.js';
import { freshTopics } from '../test/harness/kafka.js';
import { spawnTributary } from '../test/harness/process.js';
import { freePort, startTestStack } from '../test/harness/stack.js';
import { closedLoop, httpSender, openLoop } from './lib/load.js';
import { sleep, waitHealthy } from './lib/proc.js';
import { tableMarkdown } from './lib/report.js';
import { cleanUpOnSignals } from './lib/signals.js';

const MINUTES = Number(process.env['SOAK_MINUTES'] ?? 15);
const LOAD_SHARE = 0.7;
const ITEMS = 100;
const SAMPLE_MS = 10_000;

const say = (line: string): void => {
  process.stderr.write(`soak: ${line}\n`);
};

function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}

async function lagRecords(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  let sum = 0;
  for (const match of text.matchAll(/^tributary_writer_lag_records\{[^}]*\} (\S+)$/gm))
    sum += Number(match[1]);
  return sum;
}

interface Sample {
  readonly minute: number;
  readonly receiverRssMiB: number;
  readonly writerRssMiB: number;
  readonly lagRecords: number;
  readonly rows: number;
  readonly ackedItems: number;
}

async function main(): Promise<void> {
  const stack = await startTestStack(say);
  Object.assign(process.env, stack.env);
  const brokers = stack.env['TEST_KAFKA_BROKERS']!;
  const clickhouseUrl = stack.env['TEST_CLICKHOUSE_URL']!;
  const logDir = fromRoot('bench', 'results', 'tmp');
  mkdirSync(logDir, { recursive: true });
  const client = createClickHouse({ url: clickhouseUrl, user: 'default', password: '', database: 'default' });
  const children: { kill(signal?: NodeJS.Signals): Promise<void> }[] = [];
  cleanUpOnSignals(async () => {
    await Promise.allSettled(children.map((c) => c.kill('SIGTERM')));
    await stack.stop();
  });
  try {
    const topics = await freshTopics(6);
    const database = `soak_${Date.now()}`;
    await migrate(client, { database, ttlDays: 0, cluster: '', dedupWindow: 10_000 });
    const httpPort = await freePort();
    const receiverHealth = await freePort();
    const writerMetrics = await freePort();
    const receiver = spawnTributary(
      'receiver',
      {
        TRIBUTARY_KAFKA_BROKERS: brokers,
        TRIBUTARY_TOPICS_PREFIX: topics.prefix,
        TRIBUTARY_RECEIVER_HTTP_PORT: String(httpPort),
        TRIBUTARY_RECEIVER_GRPC_PORT: String(await freePort()),
        TRIBUTARY_RECEIVER_HEALTH_PORT: String(receiverHealth),
        TRIBUTARY_RECEIVER_METRICS_PORT: '0',
        TRIBUTARY_LOG_LEVEL: 'warn',
      },
      join(logDir, 'soak-receiver.log'),
    );
    children.push(receiver);
    const writer = spawnTributary(
      'writer',
      {
        TRIBUTARY_KAFKA_BROKERS: brokers,
        TRIBUTARY_CLICKHOUSE_URL: clickhouseUrl,
        TRIBUTARY_CLICKHOUSE_DATABASE: database,
        TRIBUTARY_TOPICS_PREFIX: topics.prefix,
        TRIBUTARY_WRITER_SIGNALS: 'logs',
        TRIBUTARY_WRITER_HEALTH_PORT: '0',
        TRIBUTARY_WRITER_METRICS_PORT: String(writerMetrics),
        TRIBUTARY_LOG_LEVEL: 'warn',
      },
      join(logDir, 'soak-writer.log'),
    );
    children.push(writer);
    await waitHealthy(`http://127.0.0.1:${receiverHealth}/ready`);
    const send = httpSender(`http://127.0.0.1:${httpPort}`, 'logs');
    const bodies = Array.from({ length: 64 }, (_, i) =>
      generateLogs({ seed: i + 1, resources: 1, scopesPerResource: 1, itemsPerScope: ITEMS }),
    );
    const countRows = async (): Promise<number> => {
      const result = await client.query({
        query: `SELECT count() AS n FROM \`${database}\`.otel_logs`,
        format: 'JSONEachRow',
      });
      return Number((await result.json<{ n: string }>())[0]?.n ?? 0);
    };

    // The pipeline's maximum: saturate it for 30 s and count what reaches ClickHouse.
    say('calibrating: saturating the pipeline for 30 s');
    const calibration = await closedLoop(send, bodies, ITEMS, 8, 30);
    const rowsBefore = await countRows();
    await sleep(5_000);
    const drainedAfter = await countRows();
    const pipelineMax = Math.min(calibration.items / calibration.seconds, rowsBefore / 30);
    const rate = (LOAD_SHARE * pipelineMax) / ITEMS;
    say(
      `pipeline max ~${Math.round(pipelineMax)} items/s (receiver ${Math.round(calibration.items / calibration.seconds)}, ClickHouse ${Math.round(rowsBefore / 30)}); soaking at ${Math.round(rate * ITEMS)} items/s for ${MINUTES} min`,
    );
    // Let the calibration backlog drain before the soak starts.
    for (let i = 0; i < 120 && (await countRows()) < calibration.items; i++) await sleep(1_000);
    const baseRows = await countRows();

    const samples: Sample[] = [];
    let acked = 0;
    const started = performance.now();
    const sampler = (async () => {
      while (performance.now() - started < MINUTES * 60_000) {
        await sleep(SAMPLE_MS);
        const sample: Sample = {
          minute: Number(((performance.now() - started) / 60_000).toFixed(2)),
          receiverRssMiB: Math.round(rssBytes(receiver.process.pid!) / 1048576),
          writerRssMiB: Math.round(rssBytes(writer.process.pid!) / 1048576),
          lagRecords: await lagRecords(`http://127.0.0.1:${writerMetrics}/metrics`),
          rows: (await countRows()) - baseRows,
          ackedItems: acked,
        };
        samples.push(sample);
        say(JSON.stringify(sample));
      }
    })();
    const load = await openLoop(
      send,
      (i) => bodies[i % bodies.length]!,
      ITEMS,
      rate,
      MINUTES * 60,
      256,
      (_i, _at, status) => {
        if (status === '200') acked += ITEMS;
      },
    );
    await sampler;
    for (let i = 0; i < 120 && (await countRows()) - baseRows < acked; i++) await sleep(1_000);
    const finalRows = (await countRows()) - baseRows;

    const third = Math.max(1, Math.floor(samples.length / 3));
    const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
    const firstThird = samples.slice(0, third);
    const lastThird = samples.slice(-third);
    const flat = (pick: (s: Sample) => number, marginFactor: number, marginAbs: number): boolean =>
      mean(lastThird.map(pick)) <= mean(firstThird.map(pick)) * marginFactor + marginAbs;
    const verdicts = {
      receiverRssFlat: flat((s) => s.receiverRssMiB, 1.2, 16),
      writerRssFlat: flat((s) => s.writerRssMiB, 1.2, 16),
      lagFlat: flat((s) => s.lagRecords, 1.5, 20_000 / ITEMS),
      everyAckedItemArrived: finalRows >= acked,
    };
    const results = {
      date: new Date().toISOString(),
      minutes: MINUTES,
      pipelineMaxItemsPerSecond: pipelineMax,
      calibrationDrainedRows: drainedAfter,
      loadItemsPerSecond: rate * ITEMS,
      statuses: load.statuses,
      generatorSkipped: load.skipped,
      ackedItems: acked,
      rows: finalRows,
      samples,
      verdicts,
    };
    const day = new Date().toISOString().slice(0, 10);
    const markdown = [
      `# Soak ${results.date}`,
      '',
      `${MINUTES} min at ${Math.round(rate * ITEMS)} items/s (70% of the measured pipeline maximum ${Math.round(pipelineMax)}), logs of ${ITEMS} records per request; acknowledged ${acked} items, rows ${finalRows}; answers ${JSON.stringify(load.statuses)}.`,
      '',
      tableMarkdown(
        ['minute', 'receiver RSS MiB', 'writer RSS MiB', 'writer lag (records)', 'rows', 'acked items'],
        samples.map((s) => [s.minute, s.receiverRssMiB, s.writerRssMiB, s.lagRecords, s.rows, s.ackedItems]),
      ),
      '',
      tableMarkdown(
        ['check', 'result'],
        Object.entries(verdicts).map(([k, v]) => [k, v ? 'PASS' : 'FAIL']),
      ),
    ].join('\n');
    mkdirSync(fromRoot('bench', 'results'), { recursive: true });
    writeFileSync(fromRoot('bench', 'results', `${day}-soak.json`), JSON.stringify(results, null, 2) + '\n');
    writeFileSync(fromRoot('bench', 'results', `${day}-soak.md`), markdown + '\n');
    process.stdout.write(`${markdown}\n`);
    if (!Object.values(verdicts).every(Boolean)) process.exitCode = 1;
  } finally {
    await Promise.allSettled(children.map((c) => c.kill('SIGTERM')));
    await client.close();
    await stack.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
