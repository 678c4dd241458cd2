/**
 * One snapshot of a running pipeline, read from the sources of truth: Kafka (topic end offsets, dead
 * letters), ClickHouse (the writers' done state — their real positions — and rows per table) and the
 * components' health endpoints. Each source that cannot be read is named in `problems`; the rest of
 * the snapshot still comes back.
 */
import { type ClickHouseClient, queryRows } from '../../core/clickhouse.js';
import type { Config } from '../../core/config/options.js';
import { errorMessage } from '../../core/errors.js';
import type { KafkaAdmin } from '../../kafka/port.js';
import { DEDUP_TABLES } from '../../schemas/ddl.js';
import { SIGNALS, dlqTopic, topicFor } from '../../schemas/topics.js';
import type { StatusRates } from './rates.js';
import { type ScrapedMetrics, scrapeMetrics } from './scrape.js';

export interface TopicStatus {
  readonly signal: string;
  readonly topic: string;
  /** Sum over partitions of the high watermarks. */
  readonly endOffset: number;
  /** Records Kafka still holds (high watermark minus log start). */
  readonly records: number;
  readonly partitions: readonly { partition: number; low: number; high: number }[];
}

export interface GroupPartition {
  readonly topic: string;
  readonly partition: number;
  /** The writer's position from the done state: everything before it is in ClickHouse. */
  readonly position: number;
  /** High watermark minus position (-1: the topic's offsets are unknown). */
  readonly lag: number;
  readonly rows: number;
  readonly lastDoneAt: string;
}

export interface GroupStatus {
  readonly group: string;
  readonly lag: number;
  readonly partitions: readonly GroupPartition[];
}

export interface ComponentStatus {
  readonly url: string;
  readonly answering: boolean;
  readonly ready: boolean;
  readonly reason: string;
}

export interface StatusSnapshot {
  readonly at: string;
  readonly topics: readonly TopicStatus[];
  readonly groups: readonly GroupStatus[];
  readonly tables: readonly { table: string; rows: number }[];
  readonly dlq: readonly { topic: string; records: number }[];
  readonly components: readonly ComponentStatus[];
  /** Receiver answers and writer inserts since the components started (status.metricsEndpoints). */
  readonly metrics: Omit<ScrapedMetrics, 'unreachable'>;
  /** Per second since the snapshot before (the refreshing view's last frame, or --once's first look). */
  readonly rates?: StatusRates;
  readonly problems: readonly string[];
}

export interface StatusSources {
  readonly admin: KafkaAdmin;
  readonly client: ClickHouseClient;
  readonly config: Config;
}

async function topicStatus(admin: KafkaAdmin, signal: string, topic: string): Promise<TopicStatus> {
  const offsets = await admin.offsets(topic);
  return {
    signal,
    topic,
    endOffset: offsets.reduce((n, p) => n + p.high, 0),
    records: offsets.reduce((n, p) => n + p.high - p.low, 0),
    partitions: offsets.map((p) => ({ partition: p.partition, low: p.low, high: p.high })),
  };
}

interface DoneRow {
  topic: string;
  partition: number;
  group: string;
  position: string;
  rows: string;
  lastDoneAt: string;
}

/** Per writer group and partition, the position its done state has reached. */
async function doneState(client: ClickHouseClient, database: string): Promise<DoneRow[]> {
  // A stream is cluster id / topic id / partition / group; a re-created topic is a new stream, so
  // of several streams of one (group, topic, partition) the most recently active one counts.
  return queryRows<DoneRow>(
    client,
    `SELECT topic, partition, group, toString(argMax(position, last)) AS position,
            toString(argMax(rows, last)) AS rows, toString(max(last)) AS lastDoneAt
       FROM (SELECT Topic AS topic, Partition AS partition,
                    arrayStringConcat(arraySlice(splitByChar('/', Stream), 4), '/') AS group,
                    max(End) AS position, sum(Rows) AS rows, max(DoneAt) AS last
               FROM \`${database}\`.tributary_done GROUP BY Stream, Topic, Partition)
      GROUP BY topic, partition, group ORDER BY group, topic, partition`,
  );
}

async function tableRows(
  client: ClickHouseClient,
  database: string,
): Promise<{ table: string; rows: number }[]> {
  const present = new Set(
    (
      await queryRows<{ name: string }>(
        client,
        'SELECT name FROM system.tables WHERE database = {db:String}',
        {
          db: database,
        },
      )
    ).map((r) => r.name),
  );
  const tables = DEDUP_TABLES.filter((t) => present.has(t));
  if (tables.length === 0) return [];
  const union = tables
    .map((t) => `SELECT '${t}' AS table, toString(count()) AS n FROM \`${database}\`.\`${t}\``)
    .join(' UNION ALL ');
  const counted = new Map(
    (await queryRows<{ table: string; n: string }>(client, union)).map((r) => [r.table, Number(r.n)]),
  );
  return tables.map((table) => ({ table, rows: counted.get(table) ?? 0 }));
}

async function component(url: string): Promise<ComponentStatus> {
  const base = url.replace(/\/+$/, '');
  try {
    const res = await fetch(`${base}/ready`, { signal: AbortSignal.timeout(2_000) });
    const body = (await res.json().catch(() => ({}))) as { reason?: string };
    return {
      url: base,
      answering: true,
      ready: res.status === 200,
      reason: body.reason ?? `HTTP ${res.status}`,
    };
  } catch (err) {
    return { url: base, answering: false, ready: false, reason: errorMessage(err) };
  }
}

export async function collectStatus({ admin, client, config }: StatusSources): Promise<StatusSnapshot> {
  const problems: string[] = [];
  const database = config['clickhouse.database'];
  const attempt = <T>(what: string, fn: () => Promise<T>, fallback: T): Promise<T> =>
    fn().catch((err: unknown) => {
      problems.push(`${what}: ${errorMessage(err)}`);
      return fallback;
    });
  const signals = SIGNALS.map((signal) => ({ signal, topic: topicFor(config, signal) }));
  const [topics, dlq, done, tables, components, scraped] = await Promise.all([
    Promise.all(
      signals.map(({ signal, topic }) =>
        attempt(`topic ${topic}`, () => topicStatus(admin, signal, topic), undefined),
      ),
    ),
    Promise.all(
      signals.map(({ topic }) =>
        attempt(
          `topic ${dlqTopic(topic)}`,
          async () => ({
            topic: dlqTopic(topic),
            records: (await topicStatus(admin, '', dlqTopic(topic))).records,
          }),
          undefined,
        ),
      ),
    ),
    attempt('done state', () => doneState(client, database), [] as DoneRow[]),
    attempt('tables', () => tableRows(client, database), []),
    Promise.all(config['status.endpoints'].map(component)),
    scrapeMetrics(config['status.metricsEndpoints']),
  ]);
  for (const failure of scraped.unreachable) problems.push(`metrics ${failure}`);
  const known = topics.filter((t): t is TopicStatus => t !== undefined);
  const high = new Map(known.flatMap((t) => t.partitions.map((p) => [`${t.topic}:${p.partition}`, p.high])));
  const ours = new Set(known.map((t) => t.topic));
  const groups = new Map<string, GroupPartition[]>();
  for (const row of done) {
    if (!ours.has(row.topic)) continue; // another prefix's topics in the same database
    const hw = high.get(`${row.topic}:${row.partition}`);
    const position = Number(row.position);
    const list = groups.get(row.group) ?? groups.set(row.group, []).get(row.group)!;
    list.push({
      topic: row.topic,
      partition: row.partition,
      position,
      lag: hw === undefined ? -1 : Math.max(0, hw - position),
      rows: Number(row.rows),
      lastDoneAt: row.lastDoneAt,
    });
  }
  return {
    at: new Date().toISOString(),
    topics: known,
    groups: [...groups].map(([group, partitions]) => ({
      group,
      lag: partitions.reduce((n, p) => n + Math.max(0, p.lag), 0),
      partitions,
    })),
    tables,
    dlq: dlq.filter((d): d is { topic: string; records: number } => d !== undefined),
    components,
    metrics: { requests: scraped.requests, inserts: scraped.inserts },
    problems,
  };
}
