/**
 * The writer on tables it did not create: the ClickStack collector's own tables (written here from
 * the column lists in shared/reference: flattened Events/Links arrays, second-precision metric
 * times, the __hdx_materialized_* and *AttributeItems columns, hyperdx_sessions' older layout)
 * and older layouts (DateTime64 metric times, logs with TimestampTime). Rows go through the
 * writer's own path: decodeRecord → SchemaCache (DESC TABLE) → encodeRows → fencedInsert, with the
 * delivery state tables beside them (on the collector's tables, `migrate` itself adds them).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadDdl } from '../../schemas/ddl.js';
import { migrate } from '../../schemas/migrate.js';
import { jsonToProtobuf } from '../../schemas/otlp/codec.js';
import type { Signal } from '../../schemas/otlp/codec.js';
import { decodeRecord } from '../../writer/decode/index.js';
import { fencedInsert } from '../../writer/delivery/fenced-insert.js';
import { SchemaCache, encodeRows } from '../../writer/schema.js';
import { rows, testClient } from '../harness/clickhouse.js';
import { uniqueName } from '../harness/env.js';
import type { ClickHouseClient } from '../../core/clickhouse.js';

const MAP = 'Map(LowCardinality(String), String)';
const K8S = [
  'k8s.cluster.name',
  'k8s.container.name',
  'k8s.deployment.name',
  'k8s.namespace.name',
  'k8s.node.name',
  'k8s.pod.name',
  'k8s.pod.uid',
  'deployment.environment.name',
];
const items = (name: string, map: string): string =>
  `${name} Array(String) ALIAS arrayMap(kv -> concat(kv.1, '=', kv.2), CAST(${map}, 'Array(Tuple(String, String))'))`;

/** ClickStack 2.36 seeds, restated from otel-clickhouse-facts.md §2.3/§3.3 and clickstack-processing.md §3. */
const COLLECTOR_TABLES = [
  `CREATE TABLE {db}.otel_logs (
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)), TraceId String, SpanId String, TraceFlags UInt8,
    SeverityText LowCardinality(String), SeverityNumber UInt8, ServiceName LowCardinality(String), Body String,
    ResourceSchemaUrl LowCardinality(String), ResourceAttributes ${MAP}, ScopeSchemaUrl LowCardinality(String),
    ScopeName String, ScopeVersion LowCardinality(String), ScopeAttributes ${MAP}, LogAttributes ${MAP}, EventName String,
    ${K8S.map((k) => `\`__hdx_materialized_${k}\` LowCardinality(String) MATERIALIZED ResourceAttributes['${k}']`).join(',\n    ')},
    ${items('ResourceAttributeItems', 'ResourceAttributes')}, ${items('ScopeAttributeItems', 'ScopeAttributes')},
    ${items('LogAttributeItems', 'LogAttributes')},
    INDEX idx_trace_id TraceId TYPE text(tokenizer = 'array'),
    INDEX idx_log_attr_items LogAttributeItems TYPE text(tokenizer = 'array'),
    INDEX idx_lower_body lower(Body) TYPE text(tokenizer = 'splitByNonAlpha')
  ) ENGINE = MergeTree PARTITION BY toDate(Timestamp) ORDER BY (toStartOfFiveMinutes(Timestamp), ServiceName, Timestamp)
  SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, enable_block_number_column = 1, enable_block_offset_column = 1`,
  `CREATE TABLE {db}.otel_traces (
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)), TraceId String, SpanId String, ParentSpanId String, TraceState String,
    SpanName LowCardinality(String), SpanKind LowCardinality(String), ServiceName LowCardinality(String),
    ResourceAttributes ${MAP}, ScopeName String, ScopeVersion String, SpanAttributes ${MAP}, Duration UInt64,
    StatusCode LowCardinality(String), StatusMessage String,
    \`Events.Timestamp\` Array(DateTime64(9)), \`Events.Name\` Array(LowCardinality(String)), \`Events.Attributes\` Array(${MAP}),
    \`Links.TraceId\` Array(String), \`Links.SpanId\` Array(String), \`Links.TraceState\` Array(String), \`Links.Attributes\` Array(${MAP}),
    \`__hdx_materialized_rum.sessionId\` String MATERIALIZED ResourceAttributes['rum.sessionId'],
    SampleRate UInt64 MATERIALIZED greatest(toUInt64OrZero(SpanAttributes['SampleRate']), 1),
    ${items('ResourceAttributeItems', 'ResourceAttributes')}, ${items('SpanAttributeItems', 'SpanAttributes')}
  ) ENGINE = MergeTree PARTITION BY toDate(Timestamp) ORDER BY (ServiceName, SpanName, toDateTime(Timestamp))`,
  `CREATE TABLE {db}.otel_metrics_gauge (
    ResourceAttributes ${MAP}, ResourceSchemaUrl String, ScopeName String, ScopeVersion String, ScopeAttributes ${MAP},
    ScopeDroppedAttrCount UInt32, ScopeSchemaUrl String, ServiceName LowCardinality(String),
    MetricName LowCardinality(String), MetricDescription String, MetricUnit String, Attributes ${MAP},
    StartTimeUnix DateTime, TimeUnix DateTime, Value Float64, Flags UInt32,
    Exemplars Nested(FilteredAttributes ${MAP}, TimeUnix DateTime, Value Float64, SpanId String, TraceId String),
    INDEX idx_time_minmax TimeUnix TYPE minmax GRANULARITY 1
  ) ENGINE = MergeTree PARTITION BY toDate(TimeUnix)
  ORDER BY (ServiceName, MetricName, toStartOfHour(TimeUnix), cityHash64(Attributes), TimeUnix)`,
  `CREATE TABLE {db}.hyperdx_sessions (
    Timestamp DateTime64(9), TimestampTime DateTime DEFAULT toDateTime(Timestamp), TraceId String, SpanId String,
    TraceFlags UInt8, SeverityText LowCardinality(String), SeverityNumber UInt8, ServiceName LowCardinality(String),
    Body String, ResourceSchemaUrl LowCardinality(String), ResourceAttributes ${MAP}, ScopeSchemaUrl LowCardinality(String),
    ScopeName String, ScopeVersion LowCardinality(String), ScopeAttributes ${MAP}, LogAttributes ${MAP}
  ) ENGINE = MergeTree PARTITION BY toDate(TimestampTime) PRIMARY KEY (ServiceName, TimestampTime)
  ORDER BY (ServiceName, TimestampTime, Timestamp)`,
];

/** Older layouts: contrib's DateTime64 metric times, logs before PR #47720 (TimestampTime). */
const OLDER_TABLES = [
  `CREATE TABLE {db}.otel_metrics_gauge (
    ResourceAttributes ${MAP}, ResourceSchemaUrl String, ScopeName String, ScopeVersion String, ScopeAttributes ${MAP},
    ScopeDroppedAttrCount UInt32, ScopeSchemaUrl String, ServiceName LowCardinality(String),
    MetricName String, MetricDescription String, MetricUnit String, Attributes ${MAP},
    StartTimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)), TimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)), Value Float64, Flags UInt32,
    Exemplars Nested(FilteredAttributes ${MAP}, TimeUnix DateTime64(9), Value Float64, SpanId String, TraceId String)
  ) ENGINE = MergeTree PARTITION BY toDate(TimeUnix)
  ORDER BY (ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix))`,
  `CREATE TABLE {db}.otel_logs (
    Timestamp DateTime64(9), TimestampTime DateTime DEFAULT toDateTime(Timestamp), TraceId String, SpanId String,
    TraceFlags UInt8, SeverityText LowCardinality(String), SeverityNumber UInt8, ServiceName LowCardinality(String),
    Body String, ResourceSchemaUrl LowCardinality(String), ResourceAttributes ${MAP}, ScopeSchemaUrl LowCardinality(String),
    ScopeName String, ScopeVersion LowCardinality(String), ScopeAttributes ${MAP}, LogAttributes ${MAP}
  ) ENGINE = MergeTree PARTITION BY toDate(TimestampTime) PRIMARY KEY (ServiceName, TimestampTime)
  ORDER BY (ServiceName, TimestampTime, Timestamp)`,
];

const resource = {
  attributes: [
    { key: 'service.name', value: { stringValue: 'shop' } },
    { key: 'k8s.pod.uid', value: { stringValue: 'pod-1' } },
    { key: 'rum.sessionId', value: { stringValue: 's-9' } },
  ],
};
const T = '1795000000123456789';

const LOGS = {
  resourceLogs: [
    {
      resource,
      scopeLogs: [
        {
          logRecords: [
            { timeUnixNano: T, body: { stringValue: '{"level":"WARN","user":{"id":7}}' } },
            {
              timeUnixNano: T,
              body: { stringValue: '{"type":2}' },
              attributes: [{ key: 'rr-web.event', value: { intValue: '2' } }],
            },
          ],
        },
      ],
    },
  ],
};
const TRACES = {
  resourceSpans: [
    {
      resource,
      scopeSpans: [
        {
          spans: [
            {
              traceId: '5b8efff798038103d269b633813fc60c',
              spanId: 'eee19b7ec3c1b174',
              name: 'root-operation',
              kind: 2,
              startTimeUnixNano: T,
              endTimeUnixNano: '1795000000223456789',
              attributes: [{ key: 'SampleRate', value: { stringValue: '10' } }],
              events: [{ timeUnixNano: T, name: 'cache miss' }],
              status: { code: 1 },
            },
          ],
        },
      ],
    },
  ],
};
const METRICS = {
  resourceMetrics: [
    {
      resource,
      scopeMetrics: [
        {
          metrics: [
            {
              name: 'smoke.gauge.temperature',
              unit: 'Cel',
              gauge: {
                dataPoints: [
                  {
                    timeUnixNano: T,
                    asDouble: 21.5,
                    attributes: [{ key: 'room', value: { stringValue: 'kitchen' } }],
                    exemplars: [{ timeUnixNano: T, asDouble: 21.5 }],
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

/** Writes one request through the writer's path into every table it maps to; returns the tables. */
async function write(
  client: ClickHouseClient,
  database: string,
  signal: Signal,
  request: unknown,
): Promise<string[]> {
  const cache = new SchemaCache(client, database);
  const byTable = decodeRecord(signal, jsonToProtobuf(signal, JSON.stringify(request)));
  for (const [table, tableRows] of byTable) {
    const shape = await cache.get(table, new Set(Object.keys(tableRows[0]!)));
    const fence = {
      token: `${database}-${signal}-${table}`,
      stream: `${database}-${signal}`,
      start: 0,
      end: 1,
      marks: true,
    };
    await fencedInsert(client, database, shape, encodeRows(shape, tableRows), tableRows.length, fence, {
      encoding: 'none',
      settings: {},
    });
  }
  return [...byTable.keys()];
}

/** Only the delivery state the fenced insert reads (011): the writer alone on a layout left as it is (migrate would upgrade it: migrate-upgrade.test.ts). */
async function deliveryState(client: ClickHouseClient, database: string): Promise<void> {
  const file = loadDdl({ database, ttlDays: 0, cluster: '', dedupWindow: 100 }).find((f) =>
    f.name.startsWith('011_'),
  );
  for (const statement of file!.statements) await client.command({ query: statement });
}

async function withDatabase(
  tables: string[],
  body: (client: ClickHouseClient, db: string) => Promise<void>,
): Promise<void> {
  const database = uniqueName('foreign');
  const client = testClient();
  try {
    await client.command({ query: `CREATE DATABASE ${database}` });
    for (const ddl of tables) await client.command({ query: ddl.replaceAll('{db}', database) });
    await body(client, database);
  } finally {
    await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await client.close();
  }
}

test('the writer fills tables the ClickStack collector created', async () => {
  await withDatabase(COLLECTOR_TABLES, async (client, db) => {
    // migrate on top of the collector's tables: keeps them, adds the rest (state, marks, rollups).
    await migrate(client, { database: db, ttlDays: 0, cluster: '', dedupWindow: 100 });
    assert.deepEqual(await write(client, db, 'logs', LOGS), ['otel_logs', 'hyperdx_sessions']);
    const [log] = await rows<Record<string, unknown>>(
      client,
      `SELECT SeverityText, SeverityNumber, LogAttributes, \`__hdx_materialized_k8s.pod.uid\` AS pod, LogAttributeItems FROM ${db}.otel_logs`,
    );
    assert.deepEqual(log, {
      SeverityText: 'warn',
      SeverityNumber: 13,
      LogAttributes: { level: 'WARN', 'user.id': '7' },
      pod: 'pod-1',
      LogAttributeItems: ['level=WARN', 'user.id=7'],
    });
    const [session] = await rows<Record<string, unknown>>(
      client,
      `SELECT Body, TimestampTime, LogAttributes FROM ${db}.hyperdx_sessions`,
    );
    assert.deepEqual(session, {
      Body: '{"type":2}',
      TimestampTime: '2026-11-18 11:06:40',
      LogAttributes: { 'rr-web.event': '2' },
    });
    // The collector's table fed our rollup view and our insert-mark view in the same INSERT.
    const rollup = await rows<{ Key: string; Value: string; n: string }>(
      client,
      `SELECT Key, Value, toString(sum(count)) AS n FROM ${db}.otel_logs_kv_rollup_15m WHERE Key IN ('SeverityText', '__hdx_materialized_k8s.pod.uid') GROUP BY Key, Value ORDER BY Key`,
    );
    assert.deepEqual(rollup, [
      { Key: 'SeverityText', Value: 'warn', n: '1' },
      { Key: '__hdx_materialized_k8s.pod.uid', Value: 'pod-1', n: '1' },
    ]);
    const [mark] = await rows<{ n: string }>(
      client,
      `SELECT toString(count()) AS n FROM ${db}.tributary_inserts WHERE Token = '${db}-logs-otel_logs'`,
    );
    assert.equal(mark!.n, '1');

    await write(client, db, 'traces', TRACES);
    const [span] = await rows<Record<string, unknown>>(
      client,
      `SELECT SpanKind, StatusCode, Duration, \`Events.Name\` AS events, SampleRate, \`__hdx_materialized_rum.sessionId\` AS session FROM ${db}.otel_traces`,
    );
    assert.deepEqual(span, {
      SpanKind: 'Server',
      StatusCode: 'Ok',
      Duration: '100000000',
      events: ['cache miss'],
      SampleRate: '10',
      session: 's-9',
    });

    await write(client, db, 'metrics', METRICS);
    const [point] = await rows<Record<string, unknown>>(
      client,
      `SELECT MetricName, TimeUnix, Value, Attributes['room'] AS room, \`Exemplars.TimeUnix\` AS ex FROM ${db}.otel_metrics_gauge`,
    );
    assert.deepEqual(point, {
      MetricName: 'smoke.gauge.temperature',
      TimeUnix: '2026-11-18 11:06:40',
      Value: 21.5,
      room: 'kitchen',
      ex: ['2026-11-18 11:06:40'],
    });
  });
});

test('the writer fills older layouts: DateTime64 metric times, logs with TimestampTime', async () => {
  await withDatabase(OLDER_TABLES, async (client, db) => {
    await deliveryState(client, db);
    await write(client, db, 'metrics', METRICS);
    const [point] = await rows<Record<string, unknown>>(
      client,
      `SELECT TimeUnix, \`Exemplars.TimeUnix\` AS ex FROM ${db}.otel_metrics_gauge`,
    );
    assert.deepEqual(point, {
      TimeUnix: '2026-11-18 11:06:40.123456789',
      ex: ['2026-11-18 11:06:40.123456789'],
    });
    const logsOnly = {
      resourceLogs: [
        {
          ...LOGS.resourceLogs[0]!,
          scopeLogs: [{ logRecords: [LOGS.resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!] }],
        },
      ],
    };
    await write(client, db, 'logs', logsOnly);
    const [log] = await rows<Record<string, unknown>>(
      client,
      `SELECT Timestamp, TimestampTime, SeverityText FROM ${db}.otel_logs`,
    );
    assert.deepEqual(log, {
      Timestamp: '2026-11-18 11:06:40.123456789',
      TimestampTime: '2026-11-18 11:06:40',
      SeverityText: 'warn',
    });
  });
});
