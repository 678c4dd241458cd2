import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TABLES, loadDdl } from '../../schemas/ddl.js';
import { loadConfig } from '../../core/config/load.js';
import type { Logger } from '../../core/log.js';
import { migrate } from '../../schemas/migrate.js';
import { checkDeliveryTables } from '../../writer/delivery/preflight.js';
import { insertSettings } from '../../writer/delivery/fenced-insert.js';
import { rows, testClient } from '../harness/clickhouse.js';
import { uniqueName } from '../harness/env.js';

test('migrate creates every table, is idempotent, and the shapes are ClickStack', async (t) => {
  const database = uniqueName('db');
  const client = testClient();
  t.after(async () => {
    await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await client.close();
  });
  const options = { database, ttlDays: 30, cluster: '', dedupWindow: 1000 };
  const first = await migrate(client, options);
  const second = await migrate(client, options);
  assert.ok(first.plan.some((c) => c.what === 'create table' && c.table === 'otel_logs'));
  const always = second.plan.filter((c) => c.kind === 'always');
  assert.deepEqual(
    second.plan.filter((c) => c.kind !== 'always'),
    [],
    'running twice is harmless: the second run plans nothing',
  );
  // Only the statements every run repeats: the mark views' definer pointed at the current user.
  assert.ok(always.every((c) => /MODIFY SQL SECURITY DEFINER DEFINER = CURRENT_USER$/.test(c.sql ?? '')));
  assert.equal(second.statements, always.length);
  assert.equal(first.files.length, loadDdl(options).length);
  const tables = (
    await rows<{ name: string }>(
      client,
      `SELECT name FROM system.tables WHERE database = '${database}' ORDER BY name`,
    )
  ).map((r) => r.name);
  for (const table of Object.values(TABLES)) assert.ok(tables.includes(table), `${table} exists`);
  assert.ok(tables.includes('otel_traces_trace_id_ts_mv'));
  const columns = async (table: string): Promise<Map<string, string>> =>
    new Map(
      (await rows<{ name: string; type: string }>(client, `DESCRIBE TABLE ${database}.${table}`)).map((c) => [
        c.name,
        c.type,
      ]),
    );
  const traces = await columns('otel_traces');
  assert.equal(traces.get('Events.Timestamp'), 'Array(DateTime64(9))');
  assert.equal(traces.get('Links.Attributes'), 'Array(Map(LowCardinality(String), String))');
  const sum = await columns('otel_metrics_sum');
  assert.equal(sum.get('AggregationTemporality'), 'Int32');
  assert.equal(sum.get('IsMonotonic'), 'Bool');
  assert.equal(sum.get('TimeUnix'), 'DateTime');
  const sessions = await columns('hyperdx_sessions');
  assert.ok(sessions.has('TimestampTime'));
  assert.ok(!sessions.has('EventName'));
  assert.equal((await columns('otel_logs')).get('EventName'), 'String');
  const [create] = await rows<{ statement: string }>(client, `SHOW CREATE TABLE ${database}.otel_logs`);
  assert.match(create!.statement, /TTL toDateTime\(Timestamp\) \+ toIntervalDay\(30\)/);
  assert.match(create!.statement, /non_replicated_deduplication_window = 1000/);
  assert.match(create!.statement, /enable_block_number_column = 1, enable_block_offset_column = 1/);
  // The local engine is 26.7: SELECT version() chooses the text-index variant.
  assert.equal(first.fullTextIndexes, true);
  const types = new Map(
    (
      await rows<{ name: string; type: string }>(
        client,
        `SELECT name, type FROM system.data_skipping_indices WHERE database = '${database}' AND table = 'otel_logs'`,
      )
    ).map((r) => [r.name, r.type]),
  );
  assert.equal(types.get('idx_lower_body'), 'text');
  assert.equal(types.get('idx_log_attr_items'), 'text');
  for (const t of ['otel_logs_kv_rollup_15m', 'otel_traces_kv_rollup_15m', 'otel_logs_attr_kv_rollup_15m_mv'])
    assert.ok(tables.includes(t), `${t} exists`);
});

test('inserts into otel_logs and otel_traces feed the 15-minute rollups', async (t) => {
  const database = uniqueName('db');
  const client = testClient();
  t.after(async () => {
    await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await client.close();
  });
  await migrate(client, { database, ttlDays: 0, cluster: '', dedupWindow: 1000 });
  await client.command({
    query: `INSERT INTO ${database}.otel_logs (Timestamp, ServiceName, SeverityText, ResourceAttributes) VALUES
      ('2026-11-20 10:01:00', 'api', 'info', {'k8s.pod.uid':'p1'}), ('2026-11-20 10:14:59', 'api', 'warn', {}),
      ('2026-11-20 10:15:00', 'api', 'info', {})`,
  });
  await client.command({
    query: `INSERT INTO ${database}.otel_traces (Timestamp, ServiceName, SpanName, SpanKind, StatusCode) VALUES
      ('2026-11-20 10:01:00', 'api', 'GET /', 'Server', 'Ok')`,
  });
  const logs = await rows<{ t: string; k: string; v: string; n: string }>(
    client,
    `SELECT toString(Timestamp) AS t, Key AS k, Value AS v, toString(sum(count)) AS n FROM ${database}.otel_logs_kv_rollup_15m
     WHERE ColumnIdentifier = 'NativeColumn' AND Key IN ('SeverityText', '__hdx_materialized_k8s.pod.uid')
     GROUP BY t, k, v ORDER BY t, k, v`,
  );
  assert.deepEqual(
    logs.map((r) => `${r.t} ${r.k}=${r.v} ×${r.n}`),
    [
      '2026-11-20 10:00:00 SeverityText=info ×1',
      '2026-11-20 10:00:00 SeverityText=warn ×1',
      '2026-11-20 10:00:00 __hdx_materialized_k8s.pod.uid= ×1',
      '2026-11-20 10:00:00 __hdx_materialized_k8s.pod.uid=p1 ×1',
      '2026-11-20 10:15:00 SeverityText=info ×1',
      '2026-11-20 10:15:00 __hdx_materialized_k8s.pod.uid= ×1',
    ],
  );
  const spans = await rows<{ k: string; v: string }>(
    client,
    `SELECT Key AS k, Value AS v FROM ${database}.otel_traces_kv_rollup_15m ORDER BY k`,
  );
  assert.deepEqual(
    spans.map((r) => `${r.k}=${r.v}`),
    ['ScopeName=', 'ScopeVersion=', 'ServiceName=api', 'SpanKind=Server', 'SpanName=GET /', 'StatusCode=Ok'],
  );
});

test('a retried insert is not counted twice in the rollups: their views dedup with the source', async (t) => {
  const database = uniqueName('db');
  const client = testClient();
  t.after(async () => {
    await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await client.close();
  });
  await migrate(client, { database, ttlDays: 0, cluster: '', dedupWindow: 1000 });
  for (const table of ['otel_logs_kv_rollup_15m', 'otel_traces_kv_rollup_15m']) {
    const [create] = await rows<{ statement: string }>(client, `SHOW CREATE TABLE ${database}.${table}`);
    assert.match(create!.statement, /non_replicated_deduplication_window = 1000/, table);
  }
  // The writer's settings (insert_deduplication_token + deduplicate_blocks_in_dependent_materialized_views).
  const insert = (token: string): Promise<unknown> =>
    client.command({
      query: `INSERT INTO ${database}.otel_logs (Timestamp, ServiceName, SeverityText) VALUES ('2026-11-20 10:01:00', 'api', 'info')`,
      clickhouse_settings: insertSettings(token, 1),
    });
  await insert('batch-a');
  await insert('batch-a'); // the same batch again (two writers racing)
  await insert('batch-b'); // another batch with equal rows
  const sum = async (query: string): Promise<string> => (await rows<{ n: string }>(client, query))[0]!.n;
  assert.equal(await sum(`SELECT toString(count()) AS n FROM ${database}.otel_logs`), '2');
  assert.equal(
    await sum(
      `SELECT toString(sum(count)) AS n FROM ${database}.otel_logs_kv_rollup_15m WHERE Key = 'SeverityText' AND Value = 'info'`,
    ),
    '2',
  );
});

test('the writer start check names a view target whose dedup window is too small', async (t) => {
  const database = uniqueName('db');
  const client = testClient();
  t.after(async () => {
    await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await client.close();
  });
  await migrate(client, { database, ttlDays: 0, cluster: '', dedupWindow: 1000 });
  const flagged: unknown[] = [];
  const log: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: (_msg, fields) => flagged.push(fields?.['table']),
    child: () => log,
  };
  const { config } = loadConfig({ env: {} });
  await checkDeliveryTables(client, database, config, log);
  assert.deepEqual(flagged, [], 'migrate gave every table its window');
  await client.command({
    query: `ALTER TABLE ${database}.otel_logs_kv_rollup_15m MODIFY SETTING non_replicated_deduplication_window = 0`,
  });
  await checkDeliveryTables(client, database, config, log);
  assert.deepEqual(flagged, ['otel_logs_kv_rollup_15m']);
});
