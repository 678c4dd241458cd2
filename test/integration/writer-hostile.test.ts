/**
 * Hostile but valid input never wedges a partition: records with times spread over 150 days, at 0
 * and at the int64 edge are clamped relative to their Kafka record time (one insert per day, no
 * TOO_MANY_PARTS); a record whose rows would be huge (a 200 KB resource attribute over 5,000 log
 * records ≈ 1 GB encoded) goes to the DLQ before it is encoded whole. The logs sent after them on
 * the same partition arrive, and the writer's memory stays bounded.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonToProtobuf } from '../../schemas/otlp/codec.js';
import { DLQ_HEADERS } from '../../schemas/topics.js';
import { count, eventually, freshDatabase } from '../harness/clickhouse.js';
import { freshTopics, produce, readRecords } from '../harness/kafka.js';
import { startTestWriter } from '../harness/writer.js';

const DAY_NS = 86_400_000_000_000n;

function logs(records: { time: bigint; body: string }[], resourceAttribute = ''): Buffer {
  return Buffer.from(
    jsonToProtobuf(
      'logs',
      JSON.stringify({
        resourceLogs: [
          {
            resource: {
              attributes: resourceAttribute
                ? [{ key: 'big', value: { stringValue: resourceAttribute } }]
                : [],
            },
            scopeLogs: [
              {
                logRecords: records.map((r) => ({
                  timeUnixNano: String(r.time),
                  body: { stringValue: r.body },
                })),
              },
            ],
          },
        ],
      }),
    ),
  );
}

test('times over 150 days, at 0 and at the int64 edge, and a 1 GB record do not wedge the partition', async (t) => {
  const topics = await freshTopics(1);
  const db = await freshDatabase();
  t.after(() => db.drop());
  const now = BigInt(Date.now()) * 1_000_000n;
  const spread = Array.from({ length: 150 }, (_, d) => ({ time: now - BigInt(d) * DAY_NS, body: `day${d}` }));
  const edges = [
    { time: 1n, body: 'edge-zero' },
    { time: 9_223_372_036_854_775_807n, body: 'edge-max' },
  ];
  const huge = logs(
    Array.from({ length: 5_000 }, (_, i) => ({ time: now, body: `h${i}` })),
    'x'.repeat(200_000),
  );
  await produce(topics.logs, [
    { value: logs(spread), partition: 0 },
    { value: logs(edges), partition: 0 },
    { value: huge, partition: 0 },
    { value: logs([{ time: now, body: 'after' }]), partition: 0 },
  ]);
  const writer = await startTestWriter(topics.prefix, db.database, {
    'writer.signals': 'logs',
    'writer.maxRecordEncodedBytes': 64 * 1024 * 1024,
    'writer.maxTimestampPastMs': 30 * 86_400_000, // the default window, explicit (the harness widens it)
  });
  t.after(() => writer.stop());
  const table = `\`${db.database}\`.otel_logs`;
  await eventually(
    async () => (await count(db.client, `SELECT count() AS n FROM ${table} WHERE Body = 'after'`)) === 1,
    60_000,
    'the record after the hostile ones',
  );
  // 150 + 2 rows, every time inside [record time − 30 d, record time + 2 h].
  assert.equal(await count(db.client, `SELECT count() AS n FROM ${table} WHERE Body != 'after'`), 152);
  assert.equal(
    await count(
      db.client,
      `SELECT count() AS n FROM ${table} WHERE Timestamp < now64(9) - INTERVAL 31 DAY OR Timestamp > now64(9) + INTERVAL 3 HOUR`,
    ),
    0,
    'clamped into the window',
  );
  // Counted once the batch is recorded done, a moment after its rows became visible.
  await eventually(
    () => Promise.resolve(writer.metrics.clampedRows.get({ signal: 'logs' }) >= 120),
    30_000,
    'clamps counted',
  );
  const [letter] = await readRecords(`${topics.logs}.dlq`, 1);
  assert.equal(letter!.headers[DLQ_HEADERS.code], 'RECORD_TOO_LARGE');
  assert.equal(letter!.headers[DLQ_HEADERS.offset], '2');
  assert.ok(process.memoryUsage().rss < 1024 * 1024 * 1024, 'the 1 GB record was never materialized');
});
