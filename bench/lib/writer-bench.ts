/**
 * The bench's writer part: the same records (traces, produced once to Kafka) drained into fresh
 * migrated databases, per round in turn by tributary's writer (once per insert-compression setting
 * when the build has one: bench/lib/writer-variants.ts), by the OpenTelemetry Collector as a writer
 * (kafkareceiver → batch → clickhouseexporter), by Rotel's ClickHouse exporter (fed the same records
 * over OTLP/HTTP: its wheel has no Kafka receiver) and, as the ceiling, by a raw RowBinary insert of
 * the same rows already encoded. Every writer talks to ClickHouse through a counting proxy (bytes on
 * the wire per row). Per drain (bench/lib/writer-drain.ts): steady rows/s, rows per CPU-second of the
 * process from its readiness, peak RSS, bytes per row. Medians of the rounds
 * (bench/lib/writer-summary.ts).
 */
import { Readable } from 'node:stream';
import { type ClickHouseClient, createClickHouse } from '../../core/clickhouse.js';
import { migrate } from '../../schemas/migrate.js';
import { generateTraces } from '../../test/fixtures/generate.js';
import { freshTopics, testKafka } from '../../test/harness/kafka.js';
import { freePort } from '../../test/harness/stack.js';
import { decodeRecord } from '../../writer/decode/index.js';
import { SchemaCache, encodeRows } from '../../writer/schema.js';
import { type RunningCollector, startCollectorWriter } from './collector.js';
import { type CountingProxy, countingProxy } from './counting-proxy.js';
import { httpSender } from './load.js';
import { startRotelClickHouse } from './rotel.js';
import { type Drain, type RowCheck, countRows, drain, rowCheck } from './writer-drain.js';
import { type Round, summarize } from './writer-summary.js';
import { writerVariants } from './writer-variants.js';

export interface WriterBenchOptions {
  readonly brokers: string;
  readonly clickhouseUrl: string;
  readonly client: ClickHouseClient;
  readonly records: number;
  readonly itemsPerRecord: number;
  readonly rounds: number;
  /** tributary's writer.batchRows default; the peers' batch processors get the same size. */
  readonly batchRows: number;
  readonly flushIntervalMs: number;
  readonly logDir: string;
  /** Why the Collector writer is not run (undefined: run it). */
  readonly collectorSkip: string | undefined;
  /** Why Rotel is not run (undefined: run it). */
  readonly rotelSkip: string | undefined;
  /** Starts tributary's writer (traces only) and resolves once it is healthy. */
  startWriter(o: StartWriter): Promise<WriterProcess>;
  /** Registers a peer process for clean-up on signals. */
  track(peer: RunningCollector): void;
  say(line: string): void;
}

export interface StartWriter {
  readonly prefix: string;
  readonly database: string;
  readonly groupId: string;
  readonly name: string;
  /** Where it inserts (a counting proxy in front of the server). */
  readonly clickhouseUrl: string;
  /** Extra environment (a compression variant). */
  readonly env: Readonly<Record<string, string>>;
}

export interface WriterProcess {
  readonly pid: number;
  stop(): Promise<void>;
}

/** Rotel's bodies over OTLP/HTTP: a few clients, each body once. */
const ROTEL_CLIENTS = 4;

export async function writerBench(o: WriterBenchOptions): Promise<Record<string, unknown>> {
  const { variants, note } = writerVariants();
  o.say(`writer: ${o.records} records of ${o.itemsPerRecord} spans, ${o.rounds} round(s); ${note}`);
  if (o.collectorSkip) o.say(`collector writer skipped: ${o.collectorSkip}`);
  if (o.rotelSkip) o.say(`rotel writer skipped: ${o.rotelSkip}`);
  const topics = await freshTopics(3);
  const producer = testKafka(o.brokers.split(','), 'bench').producer({
    compression: 'none',
    timeoutMs: 30_000,
  });
  // Every record distinct: the migrated tables keep a non-replicated insert-deduplication window,
  // and a batch of rows identical to an earlier one inserted without a deduplication token (the
  // peers' exporters set none) is dropped by ClickHouse as a retry; repeated records made whole
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

  /** A drain through a fresh counting proxy; its database is checked and dropped after. */
  const measured = async (
    name: string,
    run: (proxy: CountingProxy, database: string) => Promise<Drain>,
  ): Promise<{ drain: Drain; check: RowCheck }> => {
    const proxy = await countingProxy(o.clickhouseUrl);
    const database = await migrated(name.replace(/\W+/g, '_'));
    try {
      const result = await run(proxy, database);
      // Sanity, not a target: every writer holds the same rows (a late duplicate insert shows here).
      const check = await rowCheck(o.client, database);
      return { drain: result, check };
    } finally {
      await proxy.close();
      await o.client.command({ query: `DROP DATABASE IF EXISTS \`${database}\`` });
    }
  };

  const rounds: Round[] = [];
  for (let round = 1; round <= o.rounds; round++) {
    const drains: Round['drains'] = [];
    for (const variant of variants) {
      o.say(`writer round ${round}: ${variant.name}`);
      drains.push({
        system: variant.name,
        ...(await measured('writer', async (proxy, database) => {
          const spawned = performance.now();
          const writer = await o.startWriter({
            prefix: topics.prefix,
            database,
            groupId: `bench-writer-${round}-${Date.now()}`,
            name: `writer-${round}`,
            clickhouseUrl: proxy.url,
            env: variant.env,
          });
          try {
            return await drain(o.client, database, expected, spawned, writer.pid, 'otel_traces', proxy);
          } finally {
            await writer.stop();
          }
        })),
      });
    }
    if (!o.collectorSkip) {
      o.say(`writer round ${round}: collector`);
      drains.push({
        system: 'collector',
        ...(await measured('collector', async (proxy, database) => {
          const spawned = performance.now();
          const running = await startCollectorWriter({
            brokers: o.brokers.split(','),
            topic: topics.traces,
            groupId: `bench-collector-${round}-${Date.now()}`,
            clickhouseUrl: proxy.url,
            database,
            batchRows: o.batchRows,
            flushIntervalMs: o.flushIntervalMs,
            dir: o.logDir,
            name: `writer-${round}`,
          });
          o.track(running);
          try {
            return await drain(
              o.client,
              database,
              expected,
              spawned,
              running.process.pid!,
              'otel_traces',
              proxy,
            );
          } finally {
            await running.stop();
          }
        })),
      });
    }
    if (!o.rotelSkip) {
      o.say(`writer round ${round}: rotel (fed over OTLP/HTTP)`);
      drains.push({
        system: 'rotel',
        ...(await measured('rotel', async (proxy, database) => {
          const spawned = performance.now();
          const httpPort = await freePort();
          const running = await startRotelClickHouse({
            clickhouseUrl: proxy.url,
            database,
            httpPort,
            grpcPort: await freePort(),
            batchRows: o.batchRows,
            flushIntervalMs: o.flushIntervalMs,
            compression: 'lz4', // its default: ClickHouse's compressed blocks with decompress=1
            dir: o.logDir,
            name: `writer-${round}`,
          });
          o.track(running);
          try {
            const send = httpSender(`http://127.0.0.1:${httpPort}`, 'traces');
            let next = 0;
            const feeding = Promise.all(
              Array.from({ length: ROTEL_CLIENTS }, async () => {
                while (next < bodies.length) {
                  const body = bodies[next++]!;
                  const status = await send(body);
                  if (status !== '200') throw new Error(`rotel answered ${status} while being fed`);
                }
              }),
            );
            const result = await drain(
              o.client,
              database,
              expected,
              spawned,
              running.process.pid!,
              'otel_traces',
              proxy,
            );
            await feeding;
            return result;
          } finally {
            await running.stop();
          }
        })),
      });
    }

    o.say(`writer round ${round}: raw insert ceiling`);
    const ceilingProxy = await countingProxy(o.clickhouseUrl);
    const ceilingClient = createClickHouse({
      url: ceilingProxy.url,
      user: 'default',
      password: '',
      database: 'default',
    });
    const ceilingDb = await migrated('ceiling');
    const ceilingStart = performance.now();
    for (const [i, body] of encoded.entries()) {
      const result = await ceilingClient.exec({
        query: `INSERT INTO \`${ceilingDb}\`.otel_traces (${columns}) FORMAT RowBinary`,
        values: Readable.from([body]),
        clickhouse_settings: { insert_deduplication_token: `ceiling-${i}`, wait_end_of_query: 1 },
      });
      for await (const _ of result.stream) {
        // drain
      }
    }
    const ceilingSeconds = (performance.now() - ceilingStart) / 1000;
    const ceilingBytes = ceilingProxy.counts();
    await ceilingClient.close();
    await ceilingProxy.close();
    const ceilingRows = await countRows(o.client, ceilingDb);
    await o.client.command({ query: `DROP DATABASE IF EXISTS \`${ceilingDb}\`` });
    const ceiling = {
      rows: ceilingRows,
      seconds: ceilingSeconds,
      rowsPerSecond: ceilingRows / ceilingSeconds,
      bytesSentPerRow: ceilingBytes.sent / ceilingRows,
    };
    rounds.push({ round, drains, ceiling });
    const line = ({ system, drain: d }: Round['drains'][number]): string =>
      `${system} ${Math.round(d.steadyRowsPerSecond)} rows/s, ${Math.round(d.rowsPerCpuSecond)} rows/CPU-s, ${Math.round(d.bytesSentPerRow)} B/row sent, peak RSS ${Math.round(d.peakRssBytes / 2 ** 20)} MiB`;
    o.say(
      `writer round ${round}: ${drains.map(line).join('; ')}; ceiling ${Math.round(ceiling.rowsPerSecond)} rows/s, ${Math.round(ceiling.bytesSentPerRow)} B/row`,
    );
  }
  return summarize(rounds, expected, variants, note, o);
}
