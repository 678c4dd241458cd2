/**
 * The frozen-writers scenario of the coordination tests, for any two ClickHouse endpoints that share
 * the delivery state: two local engines on one ZooKeeper (test/chaos/keeper-coordination.test.ts),
 * or two replicas of a real cluster (test/cluster/replicated.test.ts). One Kafka topic, one writer group,
 * logs only (the coordination does not depend on the signal).
 *
 * 1. Writer A (endpoint 0) plans batch 1 and freezes itself (SIGSTOP at the `insert` freeze point,
 *    past every check it makes, before the server's fence). Writer B (endpoint 1) gets the partition
 *    after A's session times out, finds A's plan, writes the batch and marks it done. A is thawed:
 *    its insert reaches endpoint 0 and must insert nothing. A is killed.
 * 2. B freezes the same way in batch 2; a new writer A2 (endpoint 0) takes over, follows B's plan and
 *    writes the batch. B is thawed: its insert must insert nothing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClickHouseClient } from '../../core/clickhouse.js';
import { generateLogs } from '../fixtures/generate.js';
import { count, eventually } from './clickhouse.js';
import { kafkaBrokers, uniqueName } from './env.js';
import { freshTopics, produce } from './kafka.js';
import { type Child, spawnTributary } from './process.js';
import { freePort } from './stack.js';

export const RECORDS = 5; // per batch
export const ITEMS = 100;

export interface Endpoint {
  readonly url: string;
  readonly client: ClickHouseClient;
}

export interface FrozenWritersResult {
  readonly sent: number;
  /** Rows in endpoint 0's otel_logs right after A's late insert (before A2 wrote batch 2). */
  readonly afterLateInsert: number;
}

function batch(first: number) {
  return Array.from({ length: RECORDS }, (_, i) => ({
    partition: 0,
    value: Buffer.from(
      generateLogs({
        seed: first + i + 1,
        resources: 1,
        scopesPerResource: 1,
        itemsPerScope: ITEMS,
        firstSeq: (first + i) * ITEMS,
      }),
    ),
  }));
}

/** Whether the process is stopped (SIGSTOP): state T in /proc/<pid>/stat. */
function stopped(child: Child): boolean {
  const stat = readFileSync(`/proc/${child.process.pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).startsWith('T');
}

/** The `tributary_writer_rows_total` of otel_logs a writer reports: its insert calls returned. */
async function rowsReported(metricsPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('tributary_writer_rows_total{') && l.includes('otel_logs'));
  return line ? Number(line.split(' ').pop()) : 0;
}

export async function frozenWriters(
  t: { after(fn: () => Promise<void> | void): void },
  options: {
    readonly endpoints: readonly [Endpoint, Endpoint];
    readonly database: string;
    readonly coordination: string;
    readonly logDir: string;
    /** Rows of otel_logs endpoint `i` shows (a replica may need to catch up first). */
    readonly rowsOn: (i: number) => Promise<number>;
  },
): Promise<FrozenWritersResult> {
  const { endpoints, database } = options;
  const topics = await freshTopics(1);
  const group = uniqueName('frozen');
  const writers: Child[] = [];
  t.after(async () => {
    for (const w of writers) {
      w.process.kill('SIGCONT');
      await w.kill();
    }
  });
  const start = async (endpoint: number, stopAt?: string): Promise<{ child: Child; metricsPort: number }> => {
    const metricsPort = await freePort();
    const child = spawnTributary(
      'writer',
      {
        TRIBUTARY_KAFKA_BROKERS: kafkaBrokers().join(','),
        TRIBUTARY_CLICKHOUSE_URL: endpoints[endpoint]!.url,
        TRIBUTARY_CLICKHOUSE_DATABASE: database,
        TRIBUTARY_CLICKHOUSE_COORDINATION: options.coordination,
        TRIBUTARY_TOPICS_PREFIX: topics.prefix,
        TRIBUTARY_WRITER_GROUP_ID: group,
        TRIBUTARY_WRITER_SIGNALS: 'logs',
        TRIBUTARY_WRITER_BATCH_ROWS: String(RECORDS * ITEMS),
        TRIBUTARY_WRITER_FLUSH_INTERVAL_MS: '60000',
        TRIBUTARY_WRITER_MAX_TIMESTAMP_PAST_MS: String(5 * 365 * 86_400_000),
        TRIBUTARY_WRITER_HEALTH_PORT: '0',
        TRIBUTARY_WRITER_METRICS_PORT: String(metricsPort),
        TRIBUTARY_LOG_LEVEL: 'warn',
        ...(stopAt ? { TRIBUTARY_TEST_STOP_AT: stopAt } : {}),
      },
      join(options.logDir, `writer-${writers.length}.log`),
    );
    writers.push(child);
    return { child, metricsPort };
  };
  /** Whether endpoint `i`'s done history has the batch starting at offset `first`. */
  const doneOn = async (i: number, first: number): Promise<boolean> =>
    (await count(
      endpoints[i]!.client,
      `SELECT count() AS n FROM \`${database}\`.tributary_done WHERE Kind = 'done' AND Start = ${first}`,
    )) > 0;

  // 1. A plans batch 1 and freezes before its insert; B writes it; A is thawed.
  await produce(topics.logs, batch(0));
  const a = await start(0, 'insert:1');
  await eventually(() => Promise.resolve(stopped(a.child)), 120_000, 'writer A frozen before its insert');
  const b = await start(1, 'insert:2');
  await eventually(() => doneOn(1, 0), 120_000, 'batch 1 done by B');
  a.child.process.kill('SIGCONT');
  await eventually(
    async () => (await rowsReported(a.metricsPort)) >= RECORDS * ITEMS,
    60_000,
    "A's insert answered",
  );
  const afterLateInsert = await options.rowsOn(0);
  await a.child.kill();

  // 2. B freezes before its insert of batch 2; A2 writes it; B is thawed.
  await produce(topics.logs, batch(RECORDS));
  await eventually(() => Promise.resolve(stopped(b.child)), 120_000, 'writer B frozen before its insert');
  await start(0);
  await eventually(() => doneOn(0, RECORDS), 120_000, 'batch 2 done by A2');
  b.child.process.kill('SIGCONT');
  await eventually(
    async () => (await rowsReported(b.metricsPort)) >= 2 * RECORDS * ITEMS,
    60_000,
    "B's insert answered",
  );
  return { sent: 2 * RECORDS * ITEMS, afterLateInsert };
}
