/**
 * Upgrade from the first writer: a database it wrote holds its batch ledger (`tributary_batches`) and
 * the group's committed offset. It crashed after inserting a batch's rows and before committing it:
 * the ledger has that range above the committed offset and the rows are in the table under the old
 * token. The new writer takes the committed offset over as done and rebuilds the in-flight range
 * under the old tokens, so nothing is written twice; what arrives later is written once as usual.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateLogs } from '../fixtures/generate.js';
import { count, eventually, freshDatabase } from '../harness/clickhouse.js';
import { uniqueName } from '../harness/env.js';
import { freshTopics, produce, testKafka } from '../harness/kafka.js';
import { startTestWriter } from '../harness/writer.js';

const ITEMS = 10;
const BASE_NS = 1_795_000_000_000_000_000n;
const DAY_NS = 86_400_000_000_000n;

/** Record i's rows start at BASE_NS, or a UTC day later from record `nextDayFrom` on. */
const timeOf = (record: number, nextDayFrom: number): bigint =>
  BASE_NS + (record >= nextDayFrom ? DAY_NS : 0n) + BigInt(record * ITEMS) * 1_000_000n;

const records = (first: number, n: number, nextDayFrom = Infinity) =>
  Array.from({ length: n }, (_, i) => ({
    partition: 0,
    value: Buffer.from(
      generateLogs({
        seed: first + i + 1,
        resources: 1,
        scopesPerResource: 1,
        itemsPerScope: ITEMS,
        firstSeq: (first + i) * ITEMS,
        baseTimeNs: timeOf(first + i, nextDayFrom) - BigInt((first + i) * ITEMS) * 1_000_000n,
      }),
    ),
  }));

interface UpgradeCase {
  /** The first record whose rows fall on the next UTC day (Infinity: one day). */
  readonly nextDayFrom: number;
  /** Whether the old writer had inserted the batch in flight before it stopped. */
  readonly inFlightInserted: boolean;
}

for (const c of [
  { nextDayFrom: Infinity, inFlightInserted: true },
  { nextDayFrom: 3, inFlightInserted: true },
  { nextDayFrom: 3, inFlightInserted: false },
] satisfies UpgradeCase[])
  test(`upgrade from the batch ledger: the committed offset seeds the done state; the batch in flight (${Number.isFinite(c.nextDayFrom) ? 'over two UTC days' : 'one day'}, ${c.inFlightInserted ? 'inserted' : 'not inserted'} by the old writer) lands once`, (t) =>
    upgrade(t, c));

async function upgrade(t: { after(fn: () => Promise<void> | void): void }, c: UpgradeCase): Promise<void> {
  const topics = await freshTopics(1);
  const db = await freshDatabase();
  t.after(() => db.drop());
  const table = `\`${db.database}\`.otel_logs`;
  const topic = topics.logs;
  await produce(topic, records(0, 4, c.nextDayFrom));

  // What the first writer left behind: its ledger (two batches), rows of both batches under its
  // tokens, and a commit after the first batch only.
  await db.client.command({
    query: `CREATE TABLE \`${db.database}\`.tributary_batches (Topic LowCardinality(String), Partition UInt32,
            MinOffset UInt64, MaxOffset UInt64, RecordedAt DateTime64(3) DEFAULT now64(3))
            ENGINE = MergeTree ORDER BY (Topic, Partition, MinOffset)`,
  });
  await db.client.insert({
    table: `\`${db.database}\`.tributary_batches`,
    values: [
      { Topic: topic, Partition: 0, MinOffset: 0, MaxOffset: 1 },
      { Topic: topic, Partition: 0, MinOffset: 2, MaxOffset: 3 },
    ],
    format: 'JSONEachRow',
  });
  // The old writer inserted each batch's rows (all its days) in one INSERT under its token.
  const oldBatches: (readonly [number, number])[] = c.inFlightInserted
    ? [
        [0, 1],
        [2, 3],
      ]
    : [[0, 1]];
  for (const [min, max] of oldBatches) {
    const times = Array.from({ length: max - min + 1 }, (_, i) => String(timeOf(min + i, c.nextDayFrom)));
    await db.client.command({
      query: `INSERT INTO ${table} (Timestamp, Body, LogAttributes)
              SELECT fromUnixTimestamp64Nano(toInt64([${times.join(', ')}][intDiv(number, ${ITEMS}) + 1] + (number % ${ITEMS}) * 1000000)),
                     'old writer', map('seq', toString(${min * ITEMS} + number))
              FROM numbers(${(max - min + 1) * ITEMS})`,
      clickhouse_settings: { insert_deduplication_token: `${topic}-0-${min}-${max}-otel_logs` },
    });
  }
  const groupId = uniqueName('writer');
  const kafka = testKafka(undefined, 'old-writer');
  const member = kafka.group({
    groupId: `${groupId}-logs`,
    topics: [topic],
    protocol: 'classic',
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 10_000,
    heartbeatIntervalMs: 1_000,
  });
  await member.join();
  await eventually(
    () => Promise.resolve((member.assignment()?.partitions.length ?? 0) === 1),
    30_000,
    'assignment',
  );
  await member.commit([{ topic, partition: 0, position: 2 }], member.assignment()!.fence);
  await member.leave();
  await member.close();
  assert.equal(await count(db.client, `SELECT count() AS n FROM ${table}`), oldBatches.length * 2 * ITEMS);

  const writer = await startTestWriter(topics.prefix, db.database, {
    'writer.groupId': groupId,
    'writer.signals': 'logs',
  });
  t.after(() => writer.stop());
  const doneEnd = () =>
    count(
      db.client,
      `SELECT max(End) AS n FROM \`${db.database}\`.tributary_done WHERE Topic = '${topic}' AND Kind = 'done'`,
    );
  await eventually(async () => (await doneEnd()) === 4, 60_000, 'the in-flight batch done');
  await produce(topic, records(4, 2));
  await eventually(async () => (await doneEnd()) === 6, 60_000, 'the later records done');

  const [n, distinct] = await Promise.all([
    count(db.client, `SELECT count() AS n FROM ${table}`),
    count(db.client, `SELECT uniqExact(LogAttributes['seq']) AS n FROM ${table}`),
  ]);
  const days = await count(db.client, `SELECT uniqExact(toDate(Timestamp)) AS n FROM ${table}`);
  console.log(`upgrade: ${n} rows, ${distinct} distinct items for ${6 * ITEMS} sent, over ${days} UTC days`);
  assert.equal(distinct, 6 * ITEMS, 'every item present');
  assert.equal(n, 6 * ITEMS, 'nothing written twice');
}
