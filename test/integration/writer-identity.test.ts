/**
 * Stream identity: offsets are only unique within one topic incarnation of one Kafka cluster. Two
 * clusters with the same topic names write into one ClickHouse database under the same writer group
 * name, then a topic is deleted and created again (its offsets start at 0 once more). Every row of
 * every incarnation must arrive: if tokens or done ranges were keyed by topic name and partition
 * alone, the second cluster's batches would be refused as "already done" (or deduplicated by token),
 * and the re-created topic's first records would be skipped.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startKafka } from '../../deploy/local/kafka/runner.js';
import { ensureTopics } from '../../deploy/local/kafka/topics.js';
import { generateLogs, generateTraces } from '../fixtures/generate.js';
import { count, eventually, freshDatabase, rows } from '../harness/clickhouse.js';
import { kafkaBrokers, uniqueName } from '../harness/env.js';
import { produce, testKafka } from '../harness/kafka.js';
import { freePort } from '../harness/stack.js';
import { startTestWriter } from '../harness/writer.js';

const RECORDS = 6;
const topicNames = (prefix: string) => ({ logs: `${prefix}otlp_logs`, traces: `${prefix}otlp_spans` });
const ITEMS = 50;

/** RECORDS log records and RECORDS span records, items numbered from `firstSeq`, round robin over partitions. */
async function send(brokers: readonly string[], prefix: string, firstSeq: number): Promise<void> {
  const names = topicNames(prefix);
  const shape = (i: number) => ({
    seed: firstSeq + i + 1,
    resources: 1,
    scopesPerResource: 1,
    itemsPerScope: ITEMS,
    firstSeq: firstSeq + i * ITEMS,
  });
  const logs = Array.from({ length: RECORDS }, (_, i) => ({ value: Buffer.from(generateLogs(shape(i))) }));
  const spans = Array.from({ length: RECORDS }, (_, i) => ({ value: Buffer.from(generateTraces(shape(i))) }));
  await produce(names.logs, logs, brokers);
  await produce(names.traces, spans, brokers);
}

async function createTopics(brokers: readonly string[], prefix: string): Promise<void> {
  const names = topicNames(prefix);
  const topics = [names.logs, names.traces];
  await ensureTopics(brokers, [...topics, ...topics.map((t) => `${t}.dlq`)], 2, 1);
}

test('two clusters with the same topic names and a re-created topic: every row of every incarnation arrives', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-identity-'));
  // A dedup window of 3 so a colliding token could not hide behind a long dedup log either way.
  const db = await freshDatabase(3);
  const cleanups: (() => Promise<void>)[] = [];
  t.after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  const first = kafkaBrokers();
  const secondKafka = await startKafka({
    dataDir: join(dir, 'kafka-second'),
    port: await freePort(),
    brokerCount: 1,
    version: '4.1.1',
  });
  cleanups.push(() => secondKafka.stop());
  const second = secondKafka.brokers;

  const prefix = `${uniqueName('id')}.`;
  const group = uniqueName('writer');
  await createTopics(first, prefix);
  await createTopics(second, prefix);
  const writerOn = async (brokers: readonly string[]) => {
    const writer = await startTestWriter(prefix, db.database, {
      'kafka.brokers': brokers.join(','),
      'writer.groupId': group,
      'writer.signals': 'logs,traces',
    });
    cleanups.push(() => writer.stop());
    return writer;
  };
  const logs = `\`${db.database}\`.otel_logs`;
  const spans = `\`${db.database}\`.otel_traces`;
  const both = async () => ({
    logs: await count(db.client, `SELECT count() AS n FROM ${logs}`),
    spans: await count(db.client, `SELECT count() AS n FROM ${spans}`),
  });
  const arrived = (n: number) => async () => {
    const c = await both();
    return c.logs >= n && c.spans >= n;
  };

  // The same offsets on both clusters (the same partitions, the same record count per partition).
  await send(first, prefix, 0);
  await send(second, prefix, 10_000);
  const writerFirst = await writerOn(first);
  const writerSecond = await writerOn(second);
  await eventually(arrived(2 * RECORDS * ITEMS), 60_000, 'both clusters written');

  // A topic incarnation ends: stop the first cluster's writer, delete and re-create its topics, send
  // again. The new topic's offsets restart at 0 — the ranges the old incarnation already has done.
  await writerFirst.stop();
  const admin = testKafka(first, 'identity-admin').admin();
  cleanups.push(() => admin.close());
  const names = topicNames(prefix);
  await admin.deleteTopics([names.logs, names.traces]);
  await eventually(async () => !(await admin.listTopics()).includes(names.logs), 30_000, 'topics deleted');
  await eventually(
    async () => {
      try {
        await createTopics(first, prefix);
        return true;
      } catch {
        return false; // the deletion may still be in progress on the broker
      }
    },
    30_000,
    'topics created again',
  );
  await send(first, prefix, 20_000);
  await writerOn(first);
  await eventually(arrived(3 * RECORDS * ITEMS), 60_000, 'the re-created topic written');
  await writerSecond.stop();

  const expected = 3 * RECORDS * ITEMS;
  const perSeries = await rows<{ series: string; n: string; distinct: string }>(
    db.client,
    `SELECT intDiv(toUInt64(LogAttributes['seq']), 10000) AS series, count() AS n,
            uniqExact(LogAttributes['seq']) AS distinct
     FROM ${logs} GROUP BY series ORDER BY series`,
  );
  console.log(
    `identity: logs per series ${JSON.stringify(perSeries)}; totals ${JSON.stringify(await both())}`,
  );
  assert.deepEqual(
    perSeries.map((s) => [Number(s.series), Number(s.n), Number(s.distinct)]),
    [
      [0, RECORDS * ITEMS, RECORDS * ITEMS],
      [1, RECORDS * ITEMS, RECORDS * ITEMS],
      [2, RECORDS * ITEMS, RECORDS * ITEMS],
    ],
    'each cluster and incarnation exactly once',
  );
  assert.equal(await count(db.client, `SELECT uniqExact(SpanId) AS n FROM ${spans}`), expected);
  assert.equal(await count(db.client, `SELECT count() AS n FROM ${spans}`), expected);
  // Three incarnations per partition and signal: the state keeps them apart.
  assert.equal(
    await count(
      db.client,
      `SELECT uniqExact(splitByChar('/', Stream)[1], splitByChar('/', Stream)[2]) AS n
       FROM \`${db.database}\`.tributary_done WHERE Topic = '${names.logs}'`,
    ),
    3,
  );
});
