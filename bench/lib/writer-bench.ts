/**
 * The bench's writer part: the same Kafka records (traces, produced once) drained into fresh migrated
 * databases, per round in turn by tributary's writer, by the OpenTelemetry Collector as a writer
 * (kafkareceiver → batch → clickhouseexporter) and, as the ceiling, by a raw RowBinary insert of the
 * same rows already encoded. Per drain: steady rows/s (first rows seen → all rows, polling count()),
 * rows per CPU-second of the process from its readiness, peak RSS. Medians of the rounds.
 */
import { Readable } from 'node:stream';
import type { ClickHouseClient } from '../../core/clickhouse.js';
import { migrate } from '../../schemas/migrate.js';
import { generateTraces } from '../../test/fixtures/generate.js';
import { freshTopics, testKafka } from '../../test/harness/kafka.js';
import { decodeRecord } from '../../writer/decode/index.js';
import { SchemaCache, encodeRows } from '../../writer/schema.js';
import { type RunningCollector, startCollectorWriter } from './collector.js';
import { cpuSeconds, median, peakRssBytes, sleep } from './proc.js';

export interface WriterBenchOptions {
  readonly brokers: string;
  readonly clickhouseUrl: string;
  readonly client: ClickHouseClient;
  readonly records: number;
  readonly itemsPerRecord: number;
  readonly rounds: number;
  /** tributary's writer.batchRows default; the Collector's batch processor gets the same size. */
  readonly batchRows: number;
  readonly flushIntervalMs: number;
  readonly logDir: string;
  /** Why the Collector writer is not run (undefined: run it). */
  readonly collectorSkip: string | undefined;
  /** Starts tributary's writer (traces only) and resolves once it is healthy. */
  startWriter(prefix: string, database: string, groupId: string, name: string): Promise<WriterProcess>;
  /** Registers a Collector for clean-up on signals. */
  track(collector: RunningCollector): void;
  say(line: string): void;
}

export interface WriterProcess {
  readonly pid: number;
  stop(): Promise<void>;
}

/** One drain of the records by one process. */
export interface Drain {
  readonly rows: number;
  readonly secondsIncludingStartup: number;
  readonly steadyRowsPerSecond: number;
  readonly rowsPerCpuSecond: number;
  readonly cpuSecondsPerMillionRows: number;
  readonly peakRssBytes: number;
}

interface Round {
  readonly round: number;
  readonly tributary: Drain;
  readonly collector?: Drain;
  readonly ceiling: { rows: number; seconds: number; rowsPerSecond: number };
  readonly rowCheck: { tributary: RowCheck; collector?: RowCheck };
}

export interface RowCheck {
  readonly rows: number;
  readonly spanIds: number;
}

async function rowCheck(client: ClickHouseClient, database: string): Promise<RowCheck> {
  const result = await client.query({
    query: `SELECT count() AS n, uniqExact(SpanId) AS ids FROM \`${database}\`.otel_traces`,
    format: 'JSONEachRow',
  });
  const [row] = await result.json<{ n: string; ids: string }>();
  return { rows: Number(row?.n ?? 0), spanIds: Number(row?.ids ?? 0) };
}

async function countRows(client: ClickHouseClient, database: string, table = 'otel_traces'): Promise<number> {
  const result = await client.query({
    query: `SELECT count() AS n FROM \`${database}\`.${table}`,
    format: 'JSONEachRow',
  });
  return Number((await result.json<{ n: string }>())[0]?.n ?? 0);
}

/**
 * Polls count() until `expected` rows (or 5 minutes). CPU from readiness: start-up excluded, the
 * read-ahead before the first rows included. Steady: first rows seen → last; a run too short for
 * that (the first poll already saw most rows) falls back to the whole run including start-up.
 */
export async function drain(
  client: ClickHouseClient,
  database: string,
  expected: number,
  spawned: number,
  pid: number,
  table = 'otel_traces',
): Promise<Drain> {
  const cpuAtReady = cpuSeconds(pid);
  let firstSeen = 0;
  let firstRows = 0;
  let written = 0;
  while (written < expected && performance.now() - spawned < 300_000) {
    await sleep(100);
    written = await countRows(client, database, table);
    if (written > 0 && firstSeen === 0) {
      firstSeen = performance.now();
      firstRows = written;
    }
  }
  const done = performance.now();
  const cpu = cpuSeconds(pid);
  const steady = written - firstRows >= written / 2;
  return {
    rows: written,
    secondsIncludingStartup: (done - spawned) / 1000,
    steadyRowsPerSecond: steady
      ? (written - firstRows) / ((done - firstSeen) / 1000)
      : written / ((done - spawned) / 1000),
    rowsPerCpuSecond: written / (cpu - cpuAtReady),
    cpuSecondsPerMillionRows: (cpu / written) * 1e6,
    peakRssBytes: peakRssBytes(pid),
  };
}

export async function writerBench(o: WriterBenchOptions): Promise<Record<string, unknown>> {
  o.say(`writer: ${o.records} records of ${o.itemsPerRecord} spans, ${o.rounds} round(s)`);
  if (o.collectorSkip) o.say(`collector writer skipped: ${o.collectorSkip}`);
  const topics = await freshTopics(3);
  const producer = testKafka(o.brokers.split(','), 'bench').producer({
    compression: 'none',
    timeoutMs: 30_000,
  });
  // Every record distinct: the migrated tables keep a non-replicated insert-deduplication window,
  // and a batch of rows identical to an earlier one inserted without a deduplication token (the
  // Collector's exporter sets none) is dropped by ClickHouse as a retry; repeated records made whole
  // 20,000-row batches identical and the Collector's rows stalled at the distinct ones.
  const bodies = Array.from({ length: o.records }, (_, i) =>
    generateTraces({ seed: 1000 + i, resources: 1, scopesPerResource: 1, itemsPerScope: o.itemsPerRecord }),
  );
  try {
    // One record per partition per call: a call's batch per partition stays under the broker's
    // default 1 MB message.max.bytes (each record is ~200 KB).
    for (let i = 0; i < o.records; i += 3)
      await producer.send(
        Array.from({ length: Math.min(3, o.records - i) }, (_, j) => ({
          topic: topics.traces,
          partition: (i + j) % 3,
          key: null,
          value: bodies[i + j]!,
          headers: {},
        })),
      );
  } finally {
    await producer.close();
  }
  const expected = o.records * o.itemsPerRecord;
  const migrated = async (name: string): Promise<string> => {
    const database = `bench_${name}_${Date.now()}`;
    await migrate(o.client, { database, ttlDays: 0, cluster: '', dedupWindow: 10_000 });
    return database;
  };

  // The ceiling's rows, encoded once as RowBinary in batchRows-row batches.
  const shapeDb = await migrated('shape');
  const rows = [];
  for (let i = 0; i < o.records; i++) rows.push(...decodeRecord('traces', bodies[i]!).get('otel_traces')!);
  const shape = await new SchemaCache(o.client, shapeDb).get('otel_traces', new Set(Object.keys(rows[0]!)));
  const encoded: Buffer[] = [];
  for (let i = 0; i < rows.length; i += o.batchRows)
    encoded.push(encodeRows(shape, rows.slice(i, i + o.batchRows)));
  rows.length = 0;
  await o.client.command({ query: `DROP DATABASE IF EXISTS \`${shapeDb}\`` });
  const columns = shape.columns.map((c) => `\`${c.name}\``).join(', ');

  const rounds: Round[] = [];
  for (let round = 1; round <= o.rounds; round++) {
    o.say(`writer round ${round}: tributary`);
    const writerDb = await migrated('writer');
    const writerSpawned = performance.now();
    const writer = await o.startWriter(
      topics.prefix,
      writerDb,
      `bench-writer-${round}-${Date.now()}`,
      `writer-${round}`,
    );
    const tributary = await drain(o.client, writerDb, expected, writerSpawned, writer.pid);
    await writer.stop();

    let collector: Drain | undefined;
    let collectorDb: string | undefined;
    if (!o.collectorSkip) {
      o.say(`writer round ${round}: collector`);
      collectorDb = await migrated('collector');
      const spawned = performance.now();
      const running = await startCollectorWriter({
        brokers: o.brokers.split(','),
        topic: topics.traces,
        groupId: `bench-collector-${round}-${Date.now()}`,
        clickhouseUrl: o.clickhouseUrl,
        database: collectorDb,
        batchRows: o.batchRows,
        flushIntervalMs: o.flushIntervalMs,
        dir: o.logDir,
        name: `writer-${round}`,
      });
      o.track(running);
      collector = await drain(o.client, collectorDb, expected, spawned, running.process.pid!);
      await running.stop();
    }

    o.say(`writer round ${round}: raw insert ceiling`);
    const ceilingDb = await migrated('ceiling');
    const ceilingStart = performance.now();
    for (const [i, body] of encoded.entries()) {
      const result = await o.client.exec({
        query: `INSERT INTO \`${ceilingDb}\`.otel_traces (${columns}) FORMAT RowBinary`,
        values: Readable.from([body]),
        clickhouse_settings: { insert_deduplication_token: `ceiling-${i}`, wait_end_of_query: 1 },
      });
      for await (const _ of result.stream) {
        // drain
      }
    }
    const ceilingSeconds = (performance.now() - ceilingStart) / 1000;
    const ceilingRows = await countRows(o.client, ceilingDb);

    // Sanity, not a target: both writers hold the same rows (a late duplicate insert would show here).
    const check = {
      tributary: await rowCheck(o.client, writerDb),
      ...(collectorDb ? { collector: await rowCheck(o.client, collectorDb) } : {}),
    };
    for (const database of [writerDb, collectorDb, ceilingDb])
      if (database) await o.client.command({ query: `DROP DATABASE IF EXISTS \`${database}\`` });
    const ceiling = {
      rows: ceilingRows,
      seconds: ceilingSeconds,
      rowsPerSecond: ceilingRows / ceilingSeconds,
    };
    rounds.push({ round, tributary, ...(collector ? { collector } : {}), ceiling, rowCheck: check });
    const line = (name: string, d: Drain): string =>
      `${name} ${Math.round(d.steadyRowsPerSecond)} rows/s, ${Math.round(d.rowsPerCpuSecond)} rows/CPU-s, peak RSS ${Math.round(d.peakRssBytes / 2 ** 20)} MiB`;
    o.say(
      `writer round ${round}: ${line('tributary', tributary)}; ${collector ? `${line('collector', collector)}; ` : ''}ceiling ${Math.round(ceiling.rowsPerSecond)} rows/s`,
    );
  }
  return summarize(rounds, expected, o);
}

function summarize(
  rounds: readonly Round[],
  expected: number,
  o: WriterBenchOptions,
): Record<string, unknown> {
  const med = (pick: (r: Round) => number): number => median(rounds.map(pick));
  const collectorRounds = rounds.filter((r) => r.collector);
  const cmed = (pick: (d: Drain) => number): number => median(collectorRounds.map((r) => pick(r.collector!)));
  const checks = rounds.map((r) => r.rowCheck);
  return {
    rows: med((r) => r.tributary.rows),
    expected,
    rounds: rounds.length,
    secondsIncludingStartup: med((r) => r.tributary.secondsIncludingStartup),
    rowsPerSecondIncludingStartup: med((r) => r.tributary.rows / r.tributary.secondsIncludingStartup),
    steadyRowsPerSecond: med((r) => r.tributary.steadyRowsPerSecond),
    cpuSecondsPerMillionRows: med((r) => r.tributary.cpuSecondsPerMillionRows),
    steadyRowsPerWriterCpuSecond: med((r) => r.tributary.rowsPerCpuSecond),
    // The largest of the rounds: the bound in docs/operations.md must hold for every one.
    peakRssBytes: Math.max(...rounds.map((r) => r.tributary.peakRssBytes)),
    ceiling: {
      rows: med((r) => r.ceiling.rows),
      seconds: med((r) => r.ceiling.seconds),
      rowsPerSecond: med((r) => r.ceiling.rowsPerSecond),
    },
    // Ratios per round (the two ran minutes apart at most), then their median.
    overCeiling: med((r) => r.tributary.steadyRowsPerSecond / r.ceiling.rowsPerSecond),
    ...(collectorRounds.length > 0
      ? {
          collector: {
            pipeline: `kafkareceiver (otlp_proto) → batch (send_batch_size = send_batch_max_size = ${o.batchRows}, timeout ${o.flushIntervalMs} ms) → clickhouseexporter (create_schema: false, compress: none, async_insert: false, queue and retries at their defaults)`,
            rows: cmed((d) => d.rows),
            steadyRowsPerSecond: cmed((d) => d.steadyRowsPerSecond),
            rowsPerCpuSecond: cmed((d) => d.rowsPerCpuSecond),
            cpuSecondsPerMillionRows: cmed((d) => d.cpuSecondsPerMillionRows),
            peakRssBytes: Math.max(...collectorRounds.map((r) => r.collector!.peakRssBytes)),
            overCeiling: median(
              collectorRounds.map((r) => r.collector!.steadyRowsPerSecond / r.ceiling.rowsPerSecond),
            ),
          },
          overCollector: {
            steadyRowsPerSecond: median(
              collectorRounds.map((r) => r.tributary.steadyRowsPerSecond / r.collector!.steadyRowsPerSecond),
            ),
            rowsPerCpuSecond: median(
              collectorRounds.map((r) => r.tributary.rowsPerCpuSecond / r.collector!.rowsPerCpuSecond),
            ),
          },
        }
      : { collectorSkipped: o.collectorSkip ?? 'no collector run' }),
    rowCheck: {
      equal: checks.every(
        (c) =>
          !c.collector ||
          (c.collector.rows === c.tributary.rows && c.collector.spanIds === c.tributary.spanIds),
      ),
      rounds: checks,
    },
    perRound: rounds,
  };
}
