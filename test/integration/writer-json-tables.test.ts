/**
 * JSON-typed attribute columns (`schema.attributes: json`, the layout the Collector's exporter
 * creates with `json: true`): migrate creates them, and the whole pipeline (receiver → Kafka →
 * writer) fills them with what the exporter stores: the attribute map as typed JSON paths (the
 * server infers each path's type from the JSON text, as for the exporter), the *AttributesKeys
 * columns with the flattened keys, events and links as arrays of JSON.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrate } from '../../schemas/migrate.js';
import { jsonToProtobuf } from '../../schemas/otlp/codec.js';
import { DLQ_HEADERS } from '../../writer/dlq.js';
import { count, eventually, rows, testClient } from '../harness/clickhouse.js';
import { EXPORTER_JSON } from '../fixtures/foreign-layouts.js';
import { uniqueName } from '../harness/env.js';
import { freshTopics, produce, readRecords } from '../harness/kafka.js';
import { postOtlpJson, startTestReceiver } from '../harness/receiver.js';
import { startTestWriter } from '../harness/writer.js';

const T = '1795000000123456789';
const resource = {
  attributes: [
    { key: 'service.name', value: { stringValue: 'shop' } },
    { key: 'k8s.pod.name', value: { stringValue: 'pod-1' } },
    { key: 'process.pid', value: { intValue: '42' } },
  ],
};
const attributes = [
  { key: 'http.status_code', value: { intValue: '200' } },
  { key: 'ratio', value: { doubleValue: 0.25 } },
  { key: 'whole', value: { doubleValue: 2 } },
  { key: 'ok', value: { boolValue: true } },
  { key: 'day', value: { stringValue: '2026-11-18' } },
  { key: 'raw', value: { bytesValue: 'AQI=' } },
  { key: 'tags', value: { arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] } } },
  { key: 'user', value: { kvlistValue: { values: [{ key: 'id', value: { stringValue: 'u7' } }] } } },
  { key: 'bad', value: { doubleValue: 'NaN' } },
  { key: 'none', value: {} },
];

const LOGS = {
  resourceLogs: [
    {
      resource,
      scopeLogs: [
        {
          scope: { name: 'lib', attributes: [{ key: 'scope.flag', value: { boolValue: false } }] },
          logRecords: [
            {
              timeUnixNano: T,
              severityText: 'info',
              severityNumber: 9,
              body: { stringValue: 'hello' },
              attributes,
            },
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
              name: 'checkout',
              kind: 2,
              startTimeUnixNano: T,
              endTimeUnixNano: '1795000000223456789',
              attributes: [{ key: 'http.route', value: { stringValue: 'cart' } }],
              events: [
                {
                  timeUnixNano: T,
                  name: 'retry',
                  attributes: [{ key: 'attempt', value: { intValue: '3' } }],
                },
              ],
              links: [
                {
                  traceId: '0af7651916cd43dd8448eb211c80319c',
                  spanId: 'b7ad6b7169203331',
                  attributes: [{ key: 'kind', value: { stringValue: 'parent' } }],
                },
              ],
            },
          ],
        },
      ],
    },
  ],
};

test('schema.attributes json: migrate creates JSON columns and the pipeline fills them as the exporter does', async (t) => {
  const database = uniqueName('json');
  const client = testClient();
  const receiver = await startTestReceiver();
  t.after(async () => {
    await receiver.stop();
    await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await client.close();
  });
  const result = await migrate(client, {
    database,
    ttlDays: 0,
    cluster: '',
    dedupWindow: 1000,
    attributes: 'json',
  });
  assert.deepEqual(result.layouts, { otel_logs: 'json', otel_traces: 'json', hyperdx_sessions: 'json' });
  const types = new Map(
    (await rows<{ name: string; type: string }>(client, `DESCRIBE TABLE ${database}.otel_logs`)).map((c) => [
      c.name,
      c.type,
    ]),
  );
  assert.equal(types.get('LogAttributes'), 'JSON');
  assert.equal(types.get('LogAttributesKeys'), 'Array(LowCardinality(String))');
  assert.ok(![...types.keys()].some((name) => name.startsWith('__hdx_materialized')));

  const writer = await startTestWriter(receiver.topics.prefix, database);
  t.after(() => writer.stop());
  await postOtlpJson(`${receiver.httpUrl}/v1/logs`, LOGS);
  await postOtlpJson(`${receiver.httpUrl}/v1/traces`, TRACES);
  await eventually(
    async () =>
      (await count(client, `SELECT count() AS n FROM ${database}.otel_logs`)) === 1 &&
      (await count(client, `SELECT count() AS n FROM ${database}.hyperdx_sessions`)) === 1 &&
      (await count(client, `SELECT count() AS n FROM ${database}.otel_traces`)) === 1,
    60_000,
    'the rows of both signals',
  );

  const [log] = await rows<Record<string, unknown>>(
    client,
    `SELECT toJSONString(LogAttributes) AS attributes, toJSONString(JSONAllPathsWithTypes(LogAttributes)) AS types,
       LogAttributesKeys AS keys, toJSONString(ResourceAttributes) AS resource, ResourceAttributesKeys AS resourceKeys,
       toJSONString(ScopeAttributes) AS scope, ScopeAttributesKeys AS scopeKeys, ServiceName
     FROM ${database}.otel_logs`,
  );
  // ClickStack's log processing (the default) flattened the array and the map first (tags.0, user.id).
  assert.deepEqual(JSON.parse(log!['attributes'] as string), {
    bad: 'NaN',
    day: '2026-11-18',
    http: { status_code: '200' },
    ok: true,
    ratio: 0.25,
    raw: 'AQI=',
    tags: { '0': 'a', '1': 'b' },
    user: { id: 'u7' },
    whole: '2',
  });
  // The server types the paths from the JSON text, as it does the exporter's: a whole double is
  // written "2" (Go's encoding) and becomes Int64, a date-like string a Date; null is no path.
  assert.deepEqual(JSON.parse(log!['types'] as string), {
    bad: 'String',
    day: 'Date',
    'http.status_code': 'Int64',
    ok: 'Bool',
    ratio: 'Float64',
    raw: 'String',
    'tags.0': 'String',
    'tags.1': 'String',
    'user.id': 'String',
    whole: 'Int64',
  });
  // The exporter's UniqueFlattenedAttributes: every key, an empty value's too, sorted.
  assert.deepEqual(log!['keys'], [
    'bad',
    'day',
    'http.status_code',
    'none',
    'ok',
    'ratio',
    'raw',
    'tags.0',
    'tags.1',
    'user.id',
    'whole',
  ]);
  assert.deepEqual(JSON.parse(log!['resource'] as string), {
    k8s: { pod: { name: 'pod-1' } },
    process: { pid: '42' },
    service: { name: 'shop' },
  });
  assert.deepEqual(log!['resourceKeys'], ['k8s.pod.name', 'process.pid', 'service.name']);
  assert.deepEqual(JSON.parse(log!['scope'] as string), { scope: { flag: false } });
  assert.deepEqual(log!['scopeKeys'], ['scope.flag']);
  assert.equal(log!['ServiceName'], 'shop');

  const [session] = await rows<Record<string, unknown>>(
    client,
    `SELECT Body, toJSONString(LogAttributes) AS attributes, LogAttributesKeys AS keys FROM ${database}.hyperdx_sessions`,
  );
  assert.deepEqual(session, {
    Body: '{"type":2}',
    attributes: '{"rr-web":{"event":"2"}}',
    keys: ['rr-web.event'],
  });

  const [span] = await rows<Record<string, unknown>>(
    client,
    `SELECT toJSONString(SpanAttributes) AS attributes, SpanAttributesKeys AS keys,
       arrayMap(a -> toJSONString(a), \`Events.Attributes\`) AS events, arrayMap(a -> toJSONString(a), \`Links.Attributes\`) AS links,
       \`Events.Name\` AS eventNames, SpanKind
     FROM ${database}.otel_traces`,
  );
  assert.deepEqual(span, {
    attributes: '{"http":{"route":"cart"}}',
    keys: ['http.route'],
    events: ['{"attempt":"3"}'],
    links: ['{"kind":"parent"}'],
    eventNames: ['retry'],
    SpanKind: 'Server',
  });
  // The views built on the JSON tables: trace id range and the native-column rollups.
  assert.equal(await count(client, `SELECT count() AS n FROM ${database}.otel_traces_trace_id_ts`), 1);
  const rollup = await rows<{ Key: string; Value: string }>(
    client,
    `SELECT Key, Value FROM ${database}.otel_logs_kv_rollup_15m WHERE Key = 'ServiceName'`,
  );
  assert.deepEqual(rollup, [{ Key: 'ServiceName', Value: 'shop' }]);
});

test('migrate on a database the exporter made in JSON mode adds what tributary needs; the writer fills it', async (t) => {
  const database = uniqueName('exporterjson');
  const client = testClient();
  const receiver = await startTestReceiver();
  t.after(async () => {
    await receiver.stop();
    await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await client.close();
  });
  await client.command({ query: `CREATE DATABASE ${database}` });
  for (const ddl of EXPORTER_JSON) await client.command({ query: ddl.replaceAll('{db}', database) });
  // A row as the exporter writes it: the attribute maps as JSON text.
  await client.command({
    query:
      `INSERT INTO ${database}.otel_logs (Timestamp, ServiceName, Body, ResourceAttributes, ResourceAttributesKeys, LogAttributes, LogAttributesKeys) ` +
      `VALUES ('2026-11-18 11:00:00', 'legacy', 'before', '{"service.name":"legacy"}', ['service.name'], '{"n":1}', ['n'])`,
  });
  const tables = async (): Promise<string[]> =>
    (
      await rows<{ name: string }>(
        client,
        `SELECT name FROM system.tables WHERE database = '${database}' ORDER BY name`,
      )
    ).map((r) => r.name);
  const before = await tables();
  const lines: string[] = [];
  const options = {
    database,
    ttlDays: 0,
    cluster: '',
    dedupWindow: 1000,
    print: (l: string) => lines.push(l),
  };
  const dry = await migrate(client, { ...options, dryRun: true });
  assert.deepEqual(await tables(), before, 'a dry run changes nothing');
  assert.equal(dry.statements, 0);
  assert.deepEqual(dry.layouts, { otel_logs: 'json', otel_traces: 'json', hyperdx_sessions: 'json' });
  for (const line of [
    '= otel_logs: keeps its json attribute columns (schema.attributes is map)',
    '+ tributary_plans: create table',
    '+ otel_logs_kv_rollup_15m: create table',
    '+ otel_logs_attr_kv_rollup_15m_mv: create view',
    '+ otel_metrics_gauge: create table',
    '+ otel_traces_trace_id_ts: set non_replicated_deduplication_window = 1000',
    '= otel_logs: keeps TTL toDateTime(Timestamp) + toIntervalDay(3650) (no retention given)',
  ])
    assert.ok(lines.includes(line), `plan has "${line}":\n${lines.join('\n')}`);

  const applied = await migrate(client, options);
  assert.deepEqual(
    applied.plan.filter((c) => c.kind === 'change').map((c) => c.what),
    dry.plan.filter((c) => c.kind === 'change').map((c) => c.what),
    'the run applies the plan the dry run showed',
  );
  const again = await migrate(client, options);
  assert.deepEqual(
    again.plan.filter((c) => c.kind === 'change'),
    [],
    'a second run plans nothing',
  );

  const writer = await startTestWriter(receiver.topics.prefix, database);
  t.after(() => writer.stop());
  await postOtlpJson(`${receiver.httpUrl}/v1/logs`, LOGS);
  await postOtlpJson(`${receiver.httpUrl}/v1/traces`, TRACES);
  await eventually(
    async () =>
      (await count(client, `SELECT count() AS n FROM ${database}.otel_logs`)) === 2 &&
      (await count(client, `SELECT count() AS n FROM ${database}.hyperdx_sessions`)) === 1 &&
      (await count(client, `SELECT count() AS n FROM ${database}.otel_traces`)) === 1,
    60_000,
    'the new rows beside the exporter row',
  );
  const logs = await rows<{ ServiceName: string; attributes: string }>(
    client,
    `SELECT ServiceName, toJSONString(LogAttributes) AS attributes FROM ${database}.otel_logs ORDER BY ServiceName`,
  );
  assert.deepEqual(logs[0], { ServiceName: 'legacy', attributes: '{"n":"1"}' }, 'the exporter row is intact');
  assert.equal(logs[1]!.ServiceName, 'shop');
  assert.equal(
    await count(client, `SELECT count() AS n FROM ${database}.otel_traces_trace_id_ts WHERE TraceId != ''`),
    1,
  );
});

test('a record whose attributes give one JSON path twice goes to the DLQ; the batch around it is written', async (t) => {
  const topics = await freshTopics(1);
  const database = uniqueName('jsonconflict');
  const client = testClient();
  t.after(async () => {
    await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await client.close();
  });
  await migrate(client, { database, ttlDays: 0, cluster: '', dedupWindow: 1000, attributes: 'json' });
  const span = (name: string, attributes: unknown[]): Buffer =>
    Buffer.from(
      jsonToProtobuf(
        'traces',
        JSON.stringify({
          resourceSpans: [
            {
              resource,
              scopeSpans: [
                {
                  spans: [
                    {
                      traceId: '5b8efff798038103d269b633813fc60c',
                      spanId: 'eee19b7ec3c1b174',
                      name,
                      startTimeUnixNano: T,
                      endTimeUnixNano: T,
                      attributes,
                    },
                  ],
                },
              ],
            },
          ],
        }),
      ),
    );
  // "a.b" and a map "a" holding "b" are one path of a JSON column: the server refuses the row (the
  // exporter loses its whole batch over it).
  const conflict = span('conflict', [
    { key: 'a.b', value: { stringValue: 'x' } },
    { key: 'a', value: { kvlistValue: { values: [{ key: 'b', value: { stringValue: 'y' } }] } } },
  ]);
  await produce(topics.traces, [
    { value: span('before', [{ key: 'a.c', value: { stringValue: '1' } }]) },
    { value: conflict },
    { value: span('after', []) },
  ]);
  const writer = await startTestWriter(topics.prefix, database, { 'writer.signals': 'traces' });
  t.after(() => writer.stop());
  await eventually(
    async () => (await count(client, `SELECT count() AS n FROM ${database}.otel_traces`)) === 2,
    60_000,
    'the two good spans',
  );
  const names = await rows<{ SpanName: string }>(
    client,
    `SELECT SpanName FROM ${database}.otel_traces ORDER BY SpanName`,
  );
  assert.deepEqual(
    names.map((r) => r.SpanName),
    ['after', 'before'],
  );
  const [letter] = await readRecords(`${topics.traces}.dlq`, 1);
  assert.deepEqual(letter!.value, conflict);
  assert.match(letter!.headers[DLQ_HEADERS.message] ?? '', /[Dd]uplicate path/);
});
