import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createKafka } from '../../core/kafka.js';
import { jsonToProtobuf } from '../../schemas/otlp/codec.js';
import { DLQ_HEADERS } from '../../writer/dlq.js';
import { count, eventually, freshDatabase } from '../harness/clickhouse.js';
import { kafkaBrokers } from '../harness/env.js';
import { freshTopics, readRecords } from '../harness/kafka.js';
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
  const producer = createKafka({ brokers: kafkaBrokers(), clientId: 'dlq-test' }).producer();
  await producer.connect();
  const poison = Buffer.from([0x0a, 0x05, 0xff, 0xff, 0xff]);
  await producer.send({
    topic: topics.logs,
    acks: -1,
    messages: [
      { value: logRequest('before') },
      { value: poison, key: 'k1', headers: { 'otelcol.signal': 'logs' } },
      { value: logRequest('after') },
    ],
  });
  await producer.disconnect();
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
  assert.equal(writer.metrics.deadLetters.get({ signal: 'logs', reason: 'DECODE_FAILED' }), 1);
});

test('a crash between ledger and commit is repaired by the same tokens: no duplicates', async (t) => {
  const topics = await freshTopics(1);
  const db = await freshDatabase();
  t.after(() => db.drop());
  const producer = createKafka({ brokers: kafkaBrokers(), clientId: 'ledger-test' }).producer();
  await producer.connect();
  await producer.send({
    topic: topics.logs,
    acks: -1,
    messages: Array.from({ length: 10 }, (_, i) => ({ value: logRequest(`m${i}`) })),
  });
  await producer.disconnect();
  // A previous writer recorded offsets 0..6 and inserted them, then died before committing.
  const { BatchLedger } = await import('../../writer/ledger.js');
  await new BatchLedger(db.client, db.database).record(topics.logs, 0, 0, 6);
  const { insertRows } = await import('../../writer/insert.js');
  const { SchemaCache } = await import('../../writer/schema.js');
  const { decodeRecord } = await import('../../writer/decode/index.js');
  const { batchToken } = await import('../../writer/flush.js');
  const rows = Array.from(
    { length: 7 },
    (_, i) => decodeRecord('logs', logRequest(`m${i}`)).get('otel_logs')![0]!,
  );
  const shape = await new SchemaCache(db.client, db.database).get(
    'otel_logs',
    new Set(Object.keys(rows[0]!)),
  );
  await insertRows(db.client, db.database, shape, rows, batchToken(topics.logs, 0, 0, 6, 'otel_logs'));
  // The new writer starts from offset 0 (nothing committed), rebuilds 0..6 exactly, and moves on.
  const writer = await startTestWriter(topics.prefix, db.database, { 'writer.signals': 'logs' });
  t.after(() => writer.stop());
  await eventually(
    async () => (await count(db.client, `SELECT count() AS n FROM \`${db.database}\`.otel_logs`)) >= 10,
    30_000,
    'ten rows',
  );
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(await count(db.client, `SELECT count() AS n FROM \`${db.database}\`.otel_logs`), 10);
  assert.equal(await count(db.client, `SELECT uniqExact(Body) AS n FROM \`${db.database}\`.otel_logs`), 10);
});

test('a column dropped while the writer runs: the shape is read again and the batch re-encoded', async (t) => {
  const topics = await freshTopics(1);
  const db = await freshDatabase();
  t.after(() => db.drop());
  const producer = createKafka({ brokers: kafkaBrokers(), clientId: 'schema-change' }).producer();
  await producer.connect();
  t.after(() => producer.disconnect());
  const writer = await startTestWriter(topics.prefix, db.database, {
    'writer.signals': 'logs',
    'writer.flushIntervalMs': 1_500,
  });
  t.after(() => writer.stop());
  const table = `\`${db.database}\`.otel_logs`;
  await producer.send({ topic: topics.logs, acks: -1, messages: [{ value: logRequest('first') }] });
  await eventually(
    async () => (await count(db.client, `SELECT count() AS n FROM ${table}`)) === 1,
    30_000,
    'first row',
  );
  // The writer's cached shape still has ScopeVersion; its next batch is encoded with it.
  await db.client.command({ query: `ALTER TABLE ${table} DROP COLUMN ScopeVersion` });
  await producer.send({
    topic: topics.logs,
    acks: -1,
    messages: [{ value: logRequest('second') }, { value: logRequest('third') }],
  });
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
