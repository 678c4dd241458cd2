/**
 * End to end: official OTel JS data → receiver (OTLP/HTTP) → Kafka → writer → ClickHouse, with the
 * exact rows the OpenTelemetry Collector's ClickHouse exporter would write.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ClickHouseClient } from '../../core/clickhouse.js';
import { LOG_RULES_VERSION } from '../../writer/clickstack/rules.js';
import type { RunningWriter } from '../../writer/main.js';
import * as sdk from '../fixtures/otel-sdk.js';
import { count, eventually, freshDatabase, rows } from '../harness/clickhouse.js';
import { type TestReceiver, startTestReceiver } from '../harness/receiver.js';
import { startTestWriter } from '../harness/writer.js';

const PROTOBUF = { 'content-type': 'application/x-protobuf' };

describe('receiver → Kafka → writer → ClickHouse', () => {
  let receiver: TestReceiver;
  let writer: RunningWriter;
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let client: ClickHouseClient;
  before(async () => {
    receiver = await startTestReceiver();
    db = await freshDatabase();
    client = db.client;
    writer = await startTestWriter(receiver.topics.prefix, db.database);
  });
  after(async () => {
    await writer.stop();
    await receiver.stop();
    await db.drop();
  });

  test('traces: exact rows in otel_traces, and the trace-id MV is fed', async () => {
    const spans = sdk.sdkSpans();
    const res = await fetch(`${receiver.httpUrl}/v1/traces`, {
      method: 'POST',
      body: sdk.spansProtobuf(spans),
      headers: PROTOBUF,
    });
    assert.equal(res.status, 200);
    const table = `\`${db.database}\`.otel_traces`;
    await eventually(
      async () => (await count(client, `SELECT count() AS n FROM ${table}`)) === 3,
      30_000,
      'three spans',
    );
    const root = spans.find((s) => s.name === 'GET /cart')!;
    const child = spans.find((s) => s.name === 'SELECT cart')!;
    const [row] = await rows<Record<string, unknown>>(
      client,
      `SELECT * FROM ${table} WHERE SpanName = 'GET /cart'`,
    );
    assert.equal(row!['TraceId'], root.spanContext().traceId);
    assert.equal(row!['SpanId'], root.spanContext().spanId);
    assert.equal(row!['ParentSpanId'], '');
    assert.equal(row!['SpanKind'], 'Server');
    assert.equal(row!['StatusCode'], 'Error');
    assert.equal(row!['StatusMessage'], 'boom');
    assert.equal(row!['ServiceName'], 'checkout');
    assert.equal(row!['ScopeName'], 'fixture-tracer');
    assert.equal(row!['ScopeVersion'], '0.9.0');
    assert.equal(row!['Timestamp'], '2026-11-20 10:00:00.000000000');
    assert.equal(row!['Duration'], '50000000');
    assert.deepEqual(row!['SpanAttributes'], {
      'http.method': 'GET',
      'http.status_code': '500',
      ratio: '0.25',
      retry: 'true',
      tags: '["a","b"]',
    });
    assert.equal((row!['ResourceAttributes'] as Record<string, string>)['host.cpu.count'], '2');
    assert.deepEqual(row!['Events.Name'], ['cache miss']);
    assert.deepEqual(row!['Events.Attributes'], [{ key: 'cart:42' }]);
    assert.deepEqual(row!['Events.Timestamp'], ['2026-11-20 10:00:00.005000000']);
    const [childRow] = await rows<Record<string, unknown>>(
      client,
      `SELECT * FROM ${table} WHERE SpanName = 'SELECT cart'`,
    );
    assert.equal(childRow!['SpanKind'], 'Client');
    assert.equal(childRow!['StatusCode'], 'Ok');
    assert.equal(childRow!['ParentSpanId'], root.spanContext().spanId);
    assert.deepEqual(childRow!['Links.TraceId'], [root.spanContext().traceId]);
    assert.deepEqual(childRow!['Links.SpanId'], [root.spanContext().spanId]);
    assert.deepEqual(childRow!['Links.Attributes'], [{ reason: 'follows' }]);
    assert.equal(child.spanContext().traceId, root.spanContext().traceId);
    const ids = await count(
      client,
      `SELECT uniqExact(TraceId) AS n FROM \`${db.database}\`.otel_traces_trace_id_ts`,
    );
    assert.equal(ids, 2);
  });

  test('logs and session replays: otel_logs and hyperdx_sessions', async () => {
    const res = await fetch(`${receiver.httpUrl}/v1/logs`, {
      method: 'POST',
      body: sdk.logsProtobuf(),
      headers: PROTOBUF,
    });
    assert.equal(res.status, 200);
    const logs = `\`${db.database}\`.otel_logs`;
    const sessions = `\`${db.database}\`.hyperdx_sessions`;
    await eventually(
      async () => (await count(client, `SELECT count() AS n FROM ${logs}`)) === 2,
      30_000,
      'two logs',
    );
    await eventually(
      async () => (await count(client, `SELECT count() AS n FROM ${sessions}`)) === 1,
      30_000,
      'one session event',
    );
    const found = await rows<Record<string, unknown>>(client, `SELECT * FROM ${logs} ORDER BY Timestamp`);
    assert.equal(found[0]!['Body'], 'hello world');
    assert.equal(found[0]!['SeverityText'], 'info', 'lower-cased as ClickStack stores it');
    assert.equal(found[0]!['SeverityNumber'], 9);
    assert.equal(found[0]!['ServiceName'], 'checkout');
    assert.deepEqual(found[0]!['LogAttributes'], { 'user.id': '7' });
    assert.equal(found[1]!['Body'], '{"code":42,"message":"structured"}');
    // ClickStack processing: the map body merged into the attributes, the nested attribute flattened.
    assert.deepEqual(found[1]!['LogAttributes'], {
      code: '42',
      'error.type': 'Timeout',
      message: 'structured',
      'nested.a': '1',
    });
    assert.deepEqual([found[1]!['SeverityText'], found[1]!['SeverityNumber']], ['error', 17]);
    assert.equal(found[0]!['Timestamp'], '2026-11-20 10:00:01.000000000');
    const [session] = await rows<Record<string, unknown>>(client, `SELECT *, TimestampTime FROM ${sessions}`);
    assert.equal(session!['Body'], '{"type":2,"data":{}}');
    assert.equal((session!['LogAttributes'] as Record<string, string>)['rr-web.event'], 'full-snapshot');
    assert.equal(session!['TimestampTime'], '2026-11-20 10:00:01');
    // The log batches were planned under the ClickStack rules (mode and version pinned in the plan).
    const versions = await rows<{ v: string }>(
      client,
      `SELECT DISTINCT RuleVersion AS v FROM \`${db.database}\`.tributary_plans WHERE Stream LIKE '%-logs'`,
    );
    assert.deepEqual(
      versions.map((r) => r.v.replace(/^.*;logs=/, '')),
      [LOG_RULES_VERSION],
    );
  });

  test('metrics: every type in its table', async () => {
    const res = await fetch(`${receiver.httpUrl}/v1/metrics`, {
      method: 'POST',
      body: sdk.metricsProtobuf(await sdk.sdkMetrics()),
      headers: PROTOBUF,
    });
    assert.equal(res.status, 200);
    // The JS SDK makes no summaries; send one as OTLP/JSON, as other SDKs and Prometheus bridges do.
    const summary = {
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'rpc.duration',
                  summary: {
                    dataPoints: [
                      {
                        timeUnixNano: '1795000060000000000',
                        count: '4',
                        sum: 2,
                        quantileValues: [
                          { quantile: 0.5, value: 0.4 },
                          { quantile: 0.99, value: 0.9 },
                        ],
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    const summaryRes = await fetch(`${receiver.httpUrl}/v1/metrics`, {
      method: 'POST',
      body: JSON.stringify(summary),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(summaryRes.status, 200);
    const t = (name: string): string => `\`${db.database}\`.otel_metrics_${name}`;
    // A batch inserts its tables one after another (sorted by name): wait for each, not just the first.
    const expected: Record<string, number> = { exponential_histogram: 1, gauge: 1, histogram: 1, sum: 2 };
    await eventually(
      async () => {
        for (const [name, n] of Object.entries(expected))
          if ((await count(client, `SELECT count() AS n FROM ${t(name)}`)) !== n) return false;
        return true;
      },
      30_000,
      'metrics',
    );
    const sums = await rows<Record<string, unknown>>(
      client,
      `SELECT MetricName, Value, IsMonotonic, AggregationTemporality, Attributes FROM ${t('sum')} ORDER BY MetricName`,
    );
    assert.deepEqual(sums, [
      {
        MetricName: 'queue.depth',
        Value: -3,
        IsMonotonic: false,
        AggregationTemporality: 2,
        Attributes: { queue: 'q1' },
      },
      {
        MetricName: 'requests',
        Value: 5,
        IsMonotonic: true,
        AggregationTemporality: 2,
        Attributes: { route: '/cart' },
      },
    ]);
    const [gauge] = await rows<Record<string, unknown>>(
      client,
      `SELECT MetricName, MetricUnit, Value FROM ${t('gauge')}`,
    );
    assert.deepEqual(gauge, { MetricName: 'temperature', MetricUnit: 'Cel', Value: 21.5 });
    const [histogram] = await rows<Record<string, unknown>>(
      client,
      `SELECT Count, Sum, Min, Max, BucketCounts, ExplicitBounds FROM ${t('histogram')}`,
    );
    assert.equal(histogram!['Count'], '4');
    assert.equal(histogram!['Sum'], 268);
    assert.equal(histogram!['Min'], 1);
    assert.equal(histogram!['Max'], 250);
    assert.equal(
      (histogram!['BucketCounts'] as string[]).reduce((a, b) => a + Number(b), 0),
      4,
    );
    await eventually(
      async () => (await count(client, `SELECT count() AS n FROM ${t('summary')}`)) === 1,
      30_000,
      'summary',
    );
    const [summaryRow] = await rows<Record<string, unknown>>(
      client,
      `SELECT MetricName, Count, Sum, \`ValueAtQuantiles.Quantile\` AS q, \`ValueAtQuantiles.Value\` AS v, toString(TimeUnix) AS time FROM ${t('summary')}`,
    );
    assert.deepEqual(summaryRow, {
      MetricName: 'rpc.duration',
      Count: '4',
      Sum: 2,
      q: [0.5, 0.99],
      v: [0.4, 0.9],
      time: '2026-11-18 11:07:40',
    });
    const [exp] = await rows<Record<string, unknown>>(
      client,
      `SELECT Count, Sum, Scale, PositiveBucketCounts FROM ${t('exponential_histogram')}`,
    );
    assert.equal(exp!['Count'], '3');
    assert.equal(exp!['Sum'], 32100);
    assert.equal(
      (exp!['PositiveBucketCounts'] as string[]).reduce((a, b) => a + Number(b), 0),
      3,
    );
  });
});
