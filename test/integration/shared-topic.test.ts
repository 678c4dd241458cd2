/**
 * One topic for every signal (topics.traces = topics.logs = topics.metrics): the receiver marks each
 * record with `otelcol.signal`, each signal's consumer group reads the whole topic and writes only
 * its own records (writer/route.ts). A record no signal can claim reaches the DLQ exactly once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ensureTopics } from '../../deploy/local/kafka/topics.js';
import { DLQ_HEADERS } from '../../writer/dlq.js';
import { generateLogs, generateMetrics, generateTraces, METRIC_TABLES } from '../fixtures/generate.js';
import { count, eventually, freshDatabase } from '../harness/clickhouse.js';
import { kafkaBrokers, uniqueName } from '../harness/env.js';
import { produce, readRecords, topicSize } from '../harness/kafka.js';
import { startTestReceiver } from '../harness/receiver.js';
import { startTestWriter } from '../harness/writer.js';

const SHAPE = { seed: 7, resources: 2, scopesPerResource: 2, itemsPerScope: 5 };
const SPANS = 20;
const LOG_RECORDS = 20;
const DATA_POINTS = 200; // 20 metrics of 10 points

test('a topic shared by traces, metrics and logs: every table gets exactly its rows, unroutable records reach the DLQ once', async (t) => {
  const prefix = `${uniqueName('shared')}.`;
  const shared = `${prefix}otlp_shared`;
  await ensureTopics(kafkaBrokers(), [shared, `${shared}.dlq`], 3, 1);
  const topics = {
    'topics.traces': 'otlp_shared',
    'topics.metrics': 'otlp_shared',
    'topics.logs': 'otlp_shared',
  };
  const receiver = await startTestReceiver({
    ...topics,
    'topics.prefix': prefix,
    'receiver.maxRecordBytes': 4096,
  });
  t.after(() => receiver.stop());
  const db = await freshDatabase();
  t.after(() => db.drop());

  const post = async (signal: string, body: Uint8Array): Promise<void> => {
    const res = await fetch(`${receiver.httpUrl}/v1/${signal}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-protobuf' },
    });
    assert.equal(res.status, 200, await res.text());
  };
  // Small records (receiver.maxRecordBytes) so each signal spreads over several records and partitions.
  await post('traces', generateTraces(SHAPE));
  await post('logs', generateLogs(SHAPE));
  await post('metrics', generateMetrics(SHAPE));
  // Valid OTLP the writers must not write: a profiles record (another signal's, by its header) and
  // one without a header (a shared topic cannot say whose it is).
  await produce(shared, [
    { value: generateLogs({ ...SHAPE, firstSeq: 1000 }), headers: { 'otelcol.signal': 'profiles' } },
    { value: generateTraces({ ...SHAPE, seed: 8 }) },
  ]);
  const total = await topicSize(shared);
  const bySignal = { traces: 0, metrics: 0, logs: 0 } as Record<string, number>;
  for (const r of await readRecords(shared, total)) {
    const signal = r.headers['otelcol.signal'];
    if (signal !== undefined && signal in bySignal) bySignal[signal]!++;
  }
  for (const n of Object.values(bySignal)) assert.ok(n > 1, `records per signal ${JSON.stringify(bySignal)}`);

  const writer = await startTestWriter(prefix, db.database, topics);
  t.after(() => writer.stop());
  // Every group went through the whole topic: what it did not write it skipped or dead-lettered.
  const unroutable = 2;
  const expectSkipped = {
    traces: bySignal['metrics']! + bySignal['logs']!, // traces owns the topic: it dead-letters the 2
    metrics: bySignal['traces']! + bySignal['logs']! + unroutable,
    logs: bySignal['traces']! + bySignal['metrics']! + unroutable,
  };
  await eventually(
    () =>
      Promise.resolve(
        Object.entries(expectSkipped).every(
          ([signal, n]) => writer.metrics.skippedRecords.get({ signal }) === n,
        ) && writer.metrics.deadLetters.get({ signal: 'traces', reason: 'SIGNAL_UNROUTABLE' }) === unroutable,
      ),
    60_000,
    `skipped ${JSON.stringify(expectSkipped)} and 2 dead letters`,
  );
  assert.equal(writer.metrics.deadLetters.get({ signal: 'metrics', reason: 'SIGNAL_UNROUTABLE' }), 0);
  assert.equal(writer.metrics.deadLetters.get({ signal: 'logs', reason: 'SIGNAL_UNROUTABLE' }), 0);

  const table = (name: string): string => `\`${db.database}\`.${name}`;
  const q = (sql: string): Promise<number> => count(db.client, sql);
  await eventually(
    async () => (await q(`SELECT count() AS n FROM ${table('otel_traces')}`)) === SPANS,
    30_000,
    'spans',
  );
  assert.equal(await q(`SELECT uniqExact(SpanId) AS n FROM ${table('otel_traces')}`), SPANS);
  await eventually(
    async () => (await q(`SELECT count() AS n FROM ${table('otel_logs')}`)) === LOG_RECORDS,
    30_000,
    'log rows',
  );
  assert.equal(
    await q(`SELECT uniqExact(LogAttributes['seq']) AS n FROM ${table('otel_logs')}`),
    LOG_RECORDS,
  );
  assert.equal(
    await q(`SELECT max(toUInt32(LogAttributes['seq'])) AS n FROM ${table('otel_logs')}`),
    LOG_RECORDS - 1,
  );
  const points = async (sql: (t: string) => string): Promise<number> => {
    let sum = 0;
    for (const name of METRIC_TABLES) sum += await q(sql(table(name)));
    return sum;
  };
  await eventually(
    async () => (await points((t) => `SELECT count() AS n FROM ${t}`)) === DATA_POINTS,
    30_000,
    'points',
  );
  assert.equal(await points((t) => `SELECT uniqExact(Attributes['seq']) AS n FROM ${t}`), DATA_POINTS);

  const letters = await readRecords(`${shared}.dlq`, unroutable);
  assert.deepEqual(
    letters.map((l) => l.headers[DLQ_HEADERS.code]),
    ['SIGNAL_UNROUTABLE', 'SIGNAL_UNROUTABLE'],
  );
  assert.deepEqual(letters.map((l) => l.headers['otelcol.signal'] ?? '(none)').sort(), [
    '(none)',
    'profiles',
  ]);
  assert.equal(await topicSize(`${shared}.dlq`), unroutable, 'each unroutable record dead-lettered once');
});
