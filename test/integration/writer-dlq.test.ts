import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonToProtobuf } from '../../schemas/otlp/codec.js';
import { DLQ_HEADERS } from '../../writer/dlq.js';
import { count, eventually, freshDatabase } from '../harness/clickhouse.js';
import { uniqueName } from '../harness/env.js';
import { freshTopics, produce, readRecords, testKafka } from '../harness/kafka.js';
import { startTestWriter } from '../harness/writer.js';

function logRequest(body: string): Buffer {
  return Buffer.from(
    jsonToProtobuf(
      'logs',
      JSON.stringify({
        resourceLogs: [
          {
            scopeLogs: [
              { logRecords: [{ timeUnixNano: '1795000000000000000', body: { stringValue: body } }] },
            ],
          },
        ],
      }),
    ),
  );
}

test('a poison record lands in the DLQ with its bytes, headers and the reason, while the rest flows', async (t) => {
  const topics = await freshTopics(1);
  const db = await freshDatabase();
  t.after(() => db.drop());
  const poison = Buffer.from([0x0a, 0x05, 0xff, 0xff, 0xff]);
  await produce(topics.logs, [
    { value: logRequest('before') },
    { value: poison, key: Buffer.from('k1'), headers: { 'otelcol.signal': 'logs' } },
    { value: logRequest('after') },
  ]);
  const writer = await startTestWriter(topics.prefix, db.database, { 'writer.signals': 'logs' });
  t.after(() => writer.stop());
  await eventually(
    async () => (await count(db.client, `SELECT count() AS n FROM \`${db.database}\`.otel_logs`)) === 2,
    30_000,
    'two good rows',
  );
  const [letter] = await readRecords(`${topics.logs}.dlq`, 1);
  assert.deepEqual(letter!.value, poison);
  assert.equal(letter!.key?.toString(), 'k1');
  assert.equal(letter!.headers['otelcol.signal'], 'logs', 'original headers kept');
  assert.equal(letter!.headers[DLQ_HEADERS.code], 'DECODE_FAILED');
  assert.match(letter!.headers[DLQ_HEADERS.message] ?? '', /invalid OTLP logs protobuf/);
  assert.equal(letter!.headers[DLQ_HEADERS.topic], topics.logs);
  assert.equal(letter!.headers[DLQ_HEADERS.partition], '0');
  assert.equal(letter!.headers[DLQ_HEADERS.offset], '1');
  // Counted once the DLQ acknowledged the letter, which can be just after a reader already sees it.
  await eventually(
    () => Promise.resolve(writer.metrics.deadLetters.get({ signal: 'logs', reason: 'DECODE_FAILED' }) === 1),
    10_000,
    'the dead letter counted',
  );
});

test("many large poison records of one batch all reach the DLQ under Kafka's default message.max.bytes", async (t) => {
  const topics = await freshTopics(1);
  const db = await freshDatabase();
  t.after(() => db.drop());
  // Five undecodable records of 600 kB: together far over one record batch of the DLQ topic.
  const poison = (n: number): Buffer =>
    Buffer.concat([Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x7f]), Buffer.alloc(600_000, n)]);
  // One produce call each: the harness producer does not split batches for the broker's limit.
  for (const n of [1, 2, 3, 4, 5]) await produce(topics.logs, [{ value: poison(n) }]);
  await produce(topics.logs, [{ value: logRequest('after the poison') }]);
  const writer = await startTestWriter(topics.prefix, db.database, { 'writer.signals': 'logs' });
  t.after(() => writer.stop());
  await eventually(
    async () => (await count(db.client, `SELECT count() AS n FROM \`${db.database}\`.otel_logs`)) === 1,
    30_000,
    'the good row after the poison',
  );
  const letters = await readRecords(`${topics.logs}.dlq`, 5);
  assert.deepEqual(
    letters.map((l) => [l.headers[DLQ_HEADERS.offset], l.value.length]),
    [0, 1, 2, 3, 4].map((offset) => [String(offset), 600_005]),
  );
});

test('a column dropped while the writer runs: the shape is read again and the batch re-encoded', async (t) => {
  const topics = await freshTopics(1);
  const db = await freshDatabase();
  t.after(() => db.drop());
  const writer = await startTestWriter(topics.prefix, db.database, {
    'writer.signals': 'logs',
    'writer.flushIntervalMs': 1_500,
  });
  t.after(() => writer.stop());
  const table = `\`${db.database}\`.otel_logs`;
  await produce(topics.logs, [{ value: logRequest('first') }]);
  await eventually(
    async () => (await count(db.client, `SELECT count() AS n FROM ${table}`)) === 1,
    30_000,
    'first row',
  );
  // The writer's cached shape still has EventName; its next batch is encoded with it. (A column no
  // view reads: the kv rollup's view would forbid dropping e.g. ScopeVersion.)
  await db.client.command({ query: `ALTER TABLE ${table} DROP COLUMN EventName` });
  await produce(topics.logs, [{ value: logRequest('second') }, { value: logRequest('third') }]);
  await eventually(
    async () => (await count(db.client, `SELECT count() AS n FROM ${table}`)) === 3,
    30_000,
    'all rows',
  );
  const bodies = await db.client.query({
    query: `SELECT Body FROM ${table} ORDER BY Body`,
    format: 'JSONEachRow',
  });
  assert.deepEqual(
    (await bodies.json<{ Body: string }>()).map((r) => r.Body),
    ['first', 'second', 'third'],
  );
});

test("a dead letter alone larger than the DLQ topic's limit is trimmed to fit: headers kept, the trim said", async (t) => {
  const prefix = `${uniqueName('trim')}.`;
  const source = `${prefix}otlp_logs`;
  const dlqLimit = 20_000;
  const admin = testKafka().admin();
  t.after(() => admin.close());
  await admin.ensureTopics([
    { name: source, partitions: 1, replicationFactor: 1 },
    {
      name: `${source}.dlq`,
      partitions: 1,
      replicationFactor: 1,
      configs: { 'max.message.bytes': String(dlqLimit) },
    },
  ]);
  const db = await freshDatabase();
  t.after(() => db.drop());
  // Undecodable: 100 kB that the DLQ topic cannot take whole, and a small one it can.
  const large = Buffer.concat([Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x7f]), Buffer.alloc(100_000, 7)]);
  const small = Buffer.from([0x0a, 0x05, 0xff, 0xff, 0xff]);
  await produce(source, [
    { value: large, key: Buffer.from('k-large'), headers: { 'otelcol.signal': 'logs' } },
    { value: small },
    { value: logRequest('after the poison') },
  ]);
  const writer = await startTestWriter(prefix, db.database, { 'writer.signals': 'logs' });
  t.after(() => writer.stop());
  await eventually(
    async () => (await count(db.client, `SELECT count() AS n FROM \`${db.database}\`.otel_logs`)) === 1,
    30_000,
    'the good row after the poison: the partition moved on',
  );
  const [trimmed, whole] = await readRecords(`${source}.dlq`, 2);
  assert.equal(
    trimmed!.headers[DLQ_HEADERS.trimmed],
    String(large.length),
    'the trim is said, with the size',
  );
  assert.ok(
    trimmed!.value.length < dlqLimit && trimmed!.value.length > dlqLimit / 2,
    `${trimmed!.value.length} B kept`,
  );
  assert.deepEqual(trimmed!.value, large.subarray(0, trimmed!.value.length), 'the first bytes');
  assert.equal(trimmed!.key?.toString(), 'k-large');
  assert.equal(trimmed!.headers['otelcol.signal'], 'logs', 'original headers kept');
  assert.equal(trimmed!.headers[DLQ_HEADERS.code], 'DECODE_FAILED');
  assert.equal(trimmed!.headers[DLQ_HEADERS.offset], '0');
  assert.deepEqual(whole!.value, small);
  assert.equal(whole!.headers[DLQ_HEADERS.trimmed], undefined, 'a letter that fits is not trimmed');
});
