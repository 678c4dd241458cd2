/**
 * `migrate` on a database an older ClickStack made (2.15: TimestampTime logs, no EventName, no
 * rollups, no trace-id table, DateTime64 metric times, bloom indexes): the plan is printed (and a
 * dry run changes nothing), the run brings the tables to the current layout in place, the old rows
 * stay as they were, the writer fills the upgraded tables and the UI's kinds of queries answer.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrate } from '../../schemas/migrate.js';
import { CLICKSTACK_2_15, EXPORTER_MAP } from '../fixtures/foreign-layouts.js';
import { count, eventually, rows, testClient } from '../harness/clickhouse.js';
import { uniqueName } from '../harness/env.js';
import { postOtlpJson, startTestReceiver } from '../harness/receiver.js';
import { startTestWriter } from '../harness/writer.js';
import type { ClickHouseClient } from '../../core/clickhouse.js';

const OLD_TABLES = ['otel_logs', 'otel_traces', 'otel_metrics_gauge', 'hyperdx_sessions'];

/** Rows as the old collector wrote them, stamped now (the old tables have a 30-day TTL). */
function oldRows(db: string): string[] {
  const res = "{'service.name':'legacy','k8s.pod.name':'p0','rum.sessionId':'s-0'}";
  return [
    `INSERT INTO ${db}.otel_logs (Timestamp, ServiceName, SeverityText, SeverityNumber, Body, ResourceAttributes, LogAttributes)
     VALUES (now64(9) - INTERVAL 1 HOUR, 'legacy', 'info', 9, 'old line', ${res}, {'a':'1'})`,
    `INSERT INTO ${db}.hyperdx_sessions (Timestamp, ServiceName, Body, ResourceAttributes, LogAttributes)
     VALUES (now64(9) - INTERVAL 1 HOUR, 'legacy', '{"type":2}', ${res}, {'rr-web.event':'2'})`,
    `INSERT INTO ${db}.otel_traces (Timestamp, TraceId, SpanId, SpanName, SpanKind, ServiceName, ResourceAttributes, SpanAttributes, Duration, StatusCode)
     VALUES (now64(9) - INTERVAL 1 HOUR, 'aaaa', 'bbbb', 'old-op', 'SPAN_KIND_SERVER', 'legacy', ${res}, {'SampleRate':'5'}, 1000, 'STATUS_CODE_OK')`,
    `INSERT INTO ${db}.otel_metrics_gauge (ServiceName, MetricName, Attributes, StartTimeUnix, TimeUnix, Value)
     VALUES ('legacy', 'temperature', {'room':'hall'}, now64(9) - INTERVAL 1 HOUR, now64(9) - INTERVAL 1 HOUR, 18.5)`,
  ];
}

/** The stored columns of each old table, before the upgrade. */
async function oldColumns(client: ClickHouseClient, db: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of OLD_TABLES)
    out[table] = (
      await rows<{ name: string }>(
        client,
        `SELECT name FROM system.columns WHERE database = '${db}' AND table = '${table}' AND default_kind = '' ORDER BY position`,
      )
    ).map((c) => `\`${c.name}\``);
  return out;
}

/** Count and hash of the old rows over the columns their tables had before the upgrade. */
async function fingerprints(
  client: ClickHouseClient,
  db: string,
  columns: Record<string, string[]>,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of OLD_TABLES) {
    const names = columns[table]!;
    const [row] = await rows<{ f: string }>(
      client,
      `SELECT concat(toString(count()), ':', toString(sum(cityHash64(${names.join(', ')})))) AS f FROM ${db}.${table} WHERE ServiceName = 'legacy'`,
    );
    out[table] = row!.f;
  }
  return out;
}

const now = (): string => `${BigInt(Date.now()) * 1_000_000n}`;

test('migrate upgrades a ClickStack 2.15 database in place: plan, dry run, old rows intact, writer and UI queries work', async (t) => {
  const database = uniqueName('cs215');
  const client = testClient();
  const receiver = await startTestReceiver();
  t.after(async () => {
    await receiver.stop();
    await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await client.close();
  });
  await client.command({ query: `CREATE DATABASE ${database}` });
  for (const ddl of CLICKSTACK_2_15) await client.command({ query: ddl.replaceAll('{db}', database) });
  for (const insert of oldRows(database)) await client.command({ query: insert });
  const stored = await oldColumns(client, database);
  const before = await fingerprints(client, database, stored);
  const columns = (): Promise<number> =>
    count(client, `SELECT count() AS n FROM system.columns WHERE database = '${database}'`);
  const columnsBefore = await columns();

  const lines: string[] = [];
  const options = {
    database,
    ttlDays: 30,
    ttl: { logs: '60d' },
    explicitRetention: new Set(['logs'] as const),
    cluster: '',
    dedupWindow: 1000,
    print: (line: string) => lines.push(line),
  };
  const dry = await migrate(client, { ...options, dryRun: true });
  assert.equal(await columns(), columnsBefore, 'a dry run changes nothing');
  for (const line of [
    '+ otel_logs: add column EventName String',
    '+ otel_logs: set enable_block_number_column = 1',
    '+ otel_logs: set non_replicated_deduplication_window = 1000',
    '+ otel_logs: set TTL TimestampTime + toIntervalDay(60) (was TimestampTime + toIntervalDay(30))',
    '= otel_logs: keeps ORDER BY (ServiceName, TimestampTime, Timestamp) (a sort key cannot change in place)',
    '+ otel_traces: add column SampleRate UInt64',
    '+ otel_traces_trace_id_ts: create table',
    '+ otel_metrics_gauge: add index idx_time_minmax',
    "= otel_metrics_gauge: keeps TimeUnix DateTime64(9) (tributary's layout: DateTime)",
    '= otel_metrics_gauge: keeps no TTL (no retention given)',
    '+ otel_metrics_sum: create table',
    '+ otel_logs_kv_rollup_15m: create table',
    '+ otel_logs_attr_kv_rollup_15m_mv: create view',
  ])
    assert.ok(lines.includes(line), `the plan has "${line}":\n${lines.join('\n')}`);
  // The tables made with bloom indexes keep them: no text index or *Items alias is added.
  assert.ok(!lines.some((l) => /AttributeItems|idx_\w+_items/.test(l)), lines.join('\n'));

  const applied = await migrate(client, options);
  assert.deepEqual(
    applied.plan.map((c) => `${c.kind} ${c.table}: ${c.what}`),
    dry.plan.map((c) => `${c.kind} ${c.table}: ${c.what}`),
  );
  const again = await migrate(client, options);
  assert.deepEqual(
    again.plan.filter((c) => c.kind === 'change'),
    [],
    'a second run plans nothing',
  );
  assert.deepEqual(await fingerprints(client, database, stored), before, 'the old rows are intact');
  const [create] = await rows<{ q: string }>(
    client,
    `SELECT create_table_query AS q FROM system.tables WHERE database = '${database}' AND name = 'otel_logs'`,
  );
  assert.match(create!.q, /TTL TimestampTime \+ toIntervalDay\(60\)/);

  const writer = await startTestWriter(receiver.topics.prefix, database);
  t.after(() => writer.stop());
  const resource = {
    attributes: [
      { key: 'service.name', value: { stringValue: 'shop' } },
      { key: 'k8s.pod.name', value: { stringValue: 'p1' } },
      { key: 'rum.sessionId', value: { stringValue: 's-1' } },
    ],
  };
  const time = now();
  await postOtlpJson(`${receiver.httpUrl}/v1/logs`, {
    resourceLogs: [
      {
        resource,
        scopeLogs: [
          {
            logRecords: [
              { timeUnixNano: time, body: { stringValue: 'new line with an error' }, eventName: 'checkout' },
              {
                timeUnixNano: time,
                body: { stringValue: '{"type":3}' },
                attributes: [{ key: 'rr-web.event', value: { intValue: '3' } }],
              },
            ],
          },
        ],
      },
    ],
  });
  await postOtlpJson(`${receiver.httpUrl}/v1/traces`, {
    resourceSpans: [
      {
        resource,
        scopeSpans: [
          {
            spans: [
              {
                traceId: '5b8efff798038103d269b633813fc60c',
                spanId: 'eee19b7ec3c1b174',
                name: 'new-op',
                kind: 2,
                startTimeUnixNano: time,
                endTimeUnixNano: time,
                attributes: [{ key: 'SampleRate', value: { stringValue: '10' } }],
              },
            ],
          },
        ],
      },
    ],
  });
  await postOtlpJson(`${receiver.httpUrl}/v1/metrics`, {
    resourceMetrics: [
      {
        resource,
        scopeMetrics: [
          {
            metrics: [
              {
                name: 'temperature',
                gauge: {
                  dataPoints: [
                    {
                      timeUnixNano: time,
                      asDouble: 21.5,
                      attributes: [{ key: 'room', value: { stringValue: 'hall' } }],
                    },
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  });
  await eventually(
    async () =>
      (await count(client, `SELECT count() AS n FROM ${database}.otel_logs`)) === 2 &&
      (await count(client, `SELECT count() AS n FROM ${database}.hyperdx_sessions`)) === 2 &&
      (await count(client, `SELECT count() AS n FROM ${database}.otel_traces`)) === 2 &&
      (await count(client, `SELECT count() AS n FROM ${database}.otel_metrics_gauge`)) === 2,
    60_000,
    'the new rows beside the old ones',
  );
  assert.deepEqual(await fingerprints(client, database, stored), before, 'the old rows are still intact');

  // The kinds of queries the ClickStack UI runs, over old and new rows together.
  const search = await rows<{ ServiceName: string; SeverityText: string; EventName: string; block: string }>(
    client,
    `SELECT ServiceName, SeverityText, EventName, toString(_block_number) AS block FROM ${database}.otel_logs
     WHERE Timestamp >= now() - INTERVAL 1 DAY AND hasToken(lower(Body), 'line') ORDER BY Timestamp DESC LIMIT 100`,
  );
  assert.deepEqual(
    search.map((r) => [r.ServiceName, r.SeverityText, r.EventName]),
    [
      ['shop', 'error', 'checkout'],
      ['legacy', 'info', ''],
    ],
  );
  assert.notEqual(search[0]!.block, '0', 'new parts carry block numbers (row identity in the UI)');
  const pods = await rows<{ pod: string }>(
    client,
    `SELECT \`__hdx_materialized_k8s.pod.name\` AS pod FROM ${database}.otel_logs ORDER BY pod`,
  );
  assert.deepEqual(
    pods.map((r) => r.pod),
    ['p0', 'p1'],
  );
  const filterValues = await rows<{ Value: string; n: string }>(
    client,
    `SELECT Value, toString(sum(count)) AS n FROM ${database}.otel_logs_kv_rollup_15m
     WHERE Key = 'ServiceName' AND Timestamp >= now() - INTERVAL 1 DAY GROUP BY Value ORDER BY Value`,
  );
  assert.deepEqual(
    filterValues,
    [{ Value: 'shop', n: '1' }],
    'the rollup counts what was written after it existed',
  );
  const [range] = await rows<{ n: string }>(
    client,
    `SELECT toString(count()) AS n FROM ${database}.otel_traces_trace_id_ts WHERE TraceId = '5b8efff798038103d269b633813fc60c'`,
  );
  assert.equal(range!.n, '1');
  const [sampled] = await rows<{ weighted: string }>(
    client,
    `SELECT toString(sum(SampleRate)) AS weighted FROM ${database}.otel_traces`,
  );
  assert.equal(sampled!.weighted, '15', 'SampleRate is computed for the old span too (5 + 10)');
  const chart = await rows<{ s: string; v: number }>(
    client,
    `SELECT ServiceName AS s, avg(Value) AS v FROM ${database}.otel_metrics_gauge
     WHERE MetricName = 'temperature' AND TimeUnix >= now() - INTERVAL 1 DAY GROUP BY s ORDER BY s`,
  );
  assert.deepEqual(chart, [
    { s: 'legacy', v: 18.5 },
    { s: 'shop', v: 21.5 },
  ]);
  const sessions = await count(
    client,
    `SELECT count() AS n FROM ${database}.hyperdx_sessions WHERE ResourceAttributes['rum.sessionId'] IN ('s-0', 's-1')`,
  );
  assert.equal(sessions, 2);
});

test("migrate upgrades the exporter's own Map layout: ClickStack's columns, sessions and rollups added; the writer fills it", async (t) => {
  const database = uniqueName('exportermap');
  const client = testClient();
  const receiver = await startTestReceiver();
  t.after(async () => {
    await receiver.stop();
    await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await client.close();
  });
  await client.command({ query: `CREATE DATABASE ${database}` });
  for (const ddl of EXPORTER_MAP) await client.command({ query: ddl.replaceAll('{db}', database) });
  await client.command({
    query: `INSERT INTO ${database}.otel_logs (Timestamp, ServiceName, Body, ResourceAttributes) VALUES (now64(9), 'legacy', 'before', {'k8s.pod.name':'p0'})`,
  });
  const lines: string[] = [];
  const options = {
    database,
    ttlDays: 0,
    cluster: '',
    dedupWindow: 1000,
    print: (l: string) => lines.push(l),
  };
  await migrate(client, options);
  for (const line of [
    '+ otel_logs: add column __hdx_materialized_k8s.pod.name LowCardinality(String)',
    '+ otel_logs: set enable_block_number_column = 1',
    '+ otel_traces: add column __hdx_materialized_rum.sessionId String',
    '+ otel_traces: add column SampleRate UInt64',
    '+ otel_traces: add index idx_lower_span_name',
    '+ hyperdx_sessions: create table',
    '+ otel_logs_attr_kv_rollup_15m_mv: create view',
  ])
    assert.ok(lines.includes(line), `the plan has "${line}":\n${lines.join('\n')}`);
  // Text indexes on the map values: the table keeps its variant, no *Items aliases are added.
  assert.ok(!lines.some((l) => /AttributeItems/.test(l)), lines.join('\n'));
  const again = await migrate(client, options);
  assert.deepEqual(
    again.plan.filter((c) => c.kind === 'change'),
    [],
  );
  const [old] = await rows<{ pod: string }>(
    client,
    `SELECT \`__hdx_materialized_k8s.pod.name\` AS pod FROM ${database}.otel_logs WHERE ServiceName = 'legacy'`,
  );
  assert.equal(old!.pod, 'p0', 'the added MATERIALIZED column reads the old row');

  const writer = await startTestWriter(receiver.topics.prefix, database);
  t.after(() => writer.stop());
  await postOtlpJson(`${receiver.httpUrl}/v1/logs`, {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] },
        scopeLogs: [
          {
            logRecords: [
              { timeUnixNano: now(), body: { stringValue: 'new' } },
              {
                timeUnixNano: now(),
                body: { stringValue: '{"type":2}' },
                attributes: [{ key: 'rr-web.event', value: { intValue: '2' } }],
              },
            ],
          },
        ],
      },
    ],
  });
  await eventually(
    async () =>
      (await count(client, `SELECT count() AS n FROM ${database}.otel_logs`)) === 2 &&
      (await count(client, `SELECT count() AS n FROM ${database}.hyperdx_sessions`)) === 1 &&
      (await count(
        client,
        `SELECT count() AS n FROM ${database}.otel_logs_kv_rollup_15m WHERE Key = 'ServiceName' AND Value = 'shop'`,
      )) === 1,
    60_000,
    'the new log, the session and the rollup',
  );
});
