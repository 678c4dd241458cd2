import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TABLES, loadDdl } from '../../schemas/ddl.js';
import { migrate } from '../../schemas/migrate.js';
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
  assert.deepEqual(first, second, 'running twice is harmless');
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
});
