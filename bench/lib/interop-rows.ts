/**
 * A Collector-written topic and a tributary-written one, fed the same OTLP requests, must give the
 * same rows: one tributary writer drains each set of topics into its own database and every table is
 * compared row by row (the comparison of `npm run parity`: all columns but ALIAS and insert-time
 * ones, maps as ordered pairs). The records differ in bytes (the Collector re-encodes them, keys them
 * by its own partitioner, writes no tributary headers), so equal rows show the writer reads either.
 */
import type { ClickHouseClient } from '../../core/clickhouse.js';
import { eventually, freshDatabase } from '../../test/harness/clickhouse.js';
import { topicSize } from '../../test/harness/kafka.js';
import { startTestWriter } from '../../test/harness/writer.js';
import { type TableResult, compareRows, tableRows } from './parity-compare.js';

const TABLES = [
  'otel_traces',
  'otel_traces_trace_id_ts',
  'otel_logs',
  'hyperdx_sessions',
  'otel_metrics_gauge',
  'otel_metrics_sum',
  'otel_metrics_histogram',
  'otel_metrics_exponential_histogram',
  'otel_metrics_summary',
];

export interface TopicSet {
  readonly prefix: string;
  readonly traces: string;
  readonly metrics: string;
  readonly logs: string;
}

/** Records in the three topics (sum of the partitions' end offsets). */
async function recordsIn(topics: TopicSet): Promise<number> {
  let n = 0;
  for (const topic of [topics.traces, topics.metrics, topics.logs]) n += await topicSize(topic);
  return n;
}

/** Records the writer recorded as done, over every stream of the database. */
async function recordsDone(client: ClickHouseClient, database: string): Promise<number> {
  const result = await client.query({
    query: `SELECT sum(End - Start) AS n FROM \`${database}\`.tributary_done`,
    format: 'JSONEachRow',
  });
  return Number((await result.json<{ n: string }>())[0]?.n ?? 0);
}

export async function compareWrittenRows(
  collectorTopics: TopicSet,
  tributaryTopics: TopicSet,
  say: (line: string) => void,
): Promise<TableResult[]> {
  const sides = await Promise.all(
    [collectorTopics, tributaryTopics].map(async (topics) => {
      const db = await freshDatabase();
      const writer = await startTestWriter(topics.prefix, db.database, { 'writer.flushIntervalMs': 200 });
      return { topics, db, writer };
    }),
  );
  try {
    for (const side of sides) {
      const expected = await recordsIn(side.topics);
      await eventually(
        async () => (await recordsDone(side.db.client, side.db.database)) >= expected,
        120_000,
        `${side.topics.prefix}: ${expected} records written`,
      );
    }
    say('both topic sets written; comparing rows');
    const [collector, tributary] = sides;
    const results: TableResult[] = [];
    for (const table of TABLES)
      results.push(
        compareRows(
          table,
          await tableRows(collector!.db.client, collector!.db.database, table),
          await tableRows(tributary!.db.client, tributary!.db.database, table),
        ),
      );
    return results;
  } finally {
    for (const side of sides) {
      await side.writer.stop();
      await side.db.drop();
    }
  }
}
