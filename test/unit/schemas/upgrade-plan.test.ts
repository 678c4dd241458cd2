import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLiveCreate, parseStatement } from '../../../schemas/ddl-parse.js';
import { loadDdl } from '../../../schemas/ddl.js';
import type { LiveTable } from '../../../schemas/live-schema.js';
import { planUpgrade, simpleTtl } from '../../../schemas/upgrade-plan.js';

const OPTIONS = { database: 'db', ttlDays: 30, cluster: '', dedupWindow: 1000 };

test('our own DDL parses: columns (Nested ones with their stored names), indexes, TTL, settings', () => {
  const files = loadDdl(OPTIONS);
  const traces = parseStatement(files.find((f) => f.name.startsWith('002_'))!.statements[0]!);
  assert.equal(traces.kind, 'table');
  if (traces.kind !== 'table') return;
  assert.equal(traces.table, 'otel_traces');
  const events = traces.columns.find((c) => c.name === 'Events')!;
  assert.deepEqual(events.nested, ['Events.Timestamp', 'Events.Name', 'Events.Attributes']);
  const sampleRate = traces.columns.find((c) => c.name === 'SampleRate')!;
  assert.equal(sampleRate.type, 'UInt64');
  assert.match(sampleRate.definition, /^SampleRate UInt64 MATERIALIZED greatest/);
  assert.ok(
    traces.indexes.some(
      (i) => i.name === 'idx_duration' && /^idx_duration Duration TYPE minmax/.test(i.definition),
    ),
  );
  assert.equal(traces.ttl, 'toDate(Timestamp) + toIntervalDay(30)');
  assert.equal(traces.orderBy, '(ServiceName, SpanName, toDateTime(Timestamp))');
  assert.equal(traces.settings.get('non_replicated_deduplication_window'), '1000');
  const view = parseStatement(files.find((f) => f.name.startsWith('003_'))!.statements[1]!);
  assert.deepEqual(view, { kind: 'view', table: 'otel_traces_trace_id_ts_mv' });
  // A COMMENT holding commas and parentheses stays inside its column.
  assert.ok(traces.columns.every((c) => !c.name.includes(' ')));
});

test('simple TTLs: anchor + interval in seconds; others are not simple', () => {
  assert.deepEqual(simpleTtl('TimestampTime + toIntervalDay(30)'), {
    anchor: 'TimestampTime',
    seconds: 2_592_000,
  });
  assert.deepEqual(simpleTtl('toDateTime(Timestamp) + INTERVAL 12 HOUR'), {
    anchor: 'toDateTime(Timestamp)',
    seconds: 43_200,
  });
  assert.equal(simpleTtl('Timestamp + toIntervalMonth(1)'), undefined);
  assert.equal(simpleTtl("Timestamp + toIntervalDay(1) TO VOLUME 'cold'"), undefined);
});

function live(
  statement: string,
  createQuery: string,
  columns: [string, string][],
  indexes: string[],
): LiveTable {
  const parsed = parseStatement(statement);
  return {
    name: parsed.table!,
    engine: 'MergeTree',
    createQuery,
    columns: columns.map(([name, type]) => ({ name, type, defaultKind: '', defaultExpression: '' })),
    indexes,
  };
}

test('an existing table: missing columns after their predecessor, missing indexes, settings, kept types noted', () => {
  const files = loadDdl(OPTIONS).filter((f) => f.name.startsWith('004_'));
  const gauge = files[0]!.statements[0]!;
  const parsed = parseStatement(gauge);
  if (parsed.kind !== 'table') throw new Error('not a table');
  // Every column but Flags, TimeUnix as DateTime64, no indexes, no settings, no TTL.
  const columns = parsed.columns
    .flatMap((c) =>
      c.nested
        ? c.nested.map((n): [string, string] => [n, 'Array(String)'])
        : [[c.name, c.type] as [string, string]],
    )
    .filter(([name]) => name !== 'Flags')
    .map(([name, type]): [string, string] => (name === 'TimeUnix' ? [name, 'DateTime64(9)'] : [name, type]));
  const table = live(
    gauge,
    'CREATE TABLE db.otel_metrics_gauge (...) ENGINE = MergeTree ORDER BY TimeUnix SETTINGS index_granularity = 8192',
    columns,
    [],
  );
  const plan = planUpgrade(
    files.slice(0, 1).map((f) => ({ ...f, statements: [gauge] })),
    new Map([[table.name, table]]),
    {
      database: 'db',
      onCluster: '',
      ttlTables: new Set(),
    },
  );
  const lines = plan.map((c) => `${c.kind} ${c.what}`);
  assert.ok(lines.includes('change add column Flags UInt32'), lines.join('\n'));
  assert.match(
    plan.find((c) => c.what === 'add column Flags UInt32')!.sql!,
    /ADD COLUMN IF NOT EXISTS Flags UInt32 .* AFTER `Value`$/,
  );
  assert.ok(lines.includes("note keeps TimeUnix DateTime64(9) (tributary's layout: DateTime)"));
  assert.ok(lines.includes('change add index idx_time_minmax'));
  assert.ok(lines.includes('change set ttl_only_drop_parts = 1'));
  assert.ok(lines.includes('change set non_replicated_deduplication_window = 1000'));
  assert.ok(lines.includes('note keeps no TTL (no retention given)'));
  assert.ok(lines.some((l) => l.startsWith('note keeps ORDER BY TimeUnix')));
  assert.equal(parseLiveCreate(table.createQuery).settings.get('index_granularity'), '8192');
});

test("TTL: changed only for tables with an explicit retention, on the table's own anchor", () => {
  const files = loadDdl({ ...OPTIONS, ttl: { logs: '7d' } }).filter((f) => f.name.startsWith('001_'));
  const statement = files[0]!.statements[0]!;
  const parsed = parseStatement(statement);
  if (parsed.kind !== 'table') throw new Error('not a table');
  const columns = parsed.columns.filter((c) => !c.nested).map((c): [string, string] => [c.name, c.type]);
  const indexes = parsed.indexes.map((i) => i.name);
  const settings = [...parsed.settings].map(([k, v]) => `${k} = ${v}`).join(', ');
  const table = live(
    statement,
    `CREATE TABLE db.otel_logs (x) ENGINE = MergeTree ORDER BY ${parsed.orderBy} TTL TimestampTime + toIntervalDay(30) SETTINGS ${settings}`,
    columns,
    indexes,
  );
  const plan = (ttlTables: Set<string>) =>
    planUpgrade(files, new Map([[table.name, table]]), { database: 'db', onCluster: '', ttlTables }).filter(
      (c) => c.kind !== 'always',
    );
  assert.deepEqual(
    plan(new Set()).map((c) => [c.kind, c.what]),
    [['note', 'keeps TTL TimestampTime + toIntervalDay(30) (no retention given)']],
  );
  const [change] = plan(new Set(['otel_logs']));
  assert.equal(
    change!.what,
    'set TTL TimestampTime + toIntervalDay(7) (was TimestampTime + toIntervalDay(30))',
  );
  assert.match(
    change!.sql!,
    /MODIFY TTL TimestampTime \+ toIntervalDay\(7\) SETTINGS materialize_ttl_after_modify = 0$/,
  );
});

test('on a cluster every ALTER names it; missing tables and views are created with the rendered DDL', () => {
  const files = loadDdl({ ...OPTIONS, cluster: 'main' }).filter((f) => /^00[13]_/.test(f.name));
  const logs = parseStatement(files[0]!.statements[0]!);
  if (logs.kind !== 'table') throw new Error('not a table');
  const table = live(
    files[0]!.statements[0]!,
    `CREATE TABLE db.otel_logs (x) ENGINE = ReplicatedMergeTree ORDER BY ${logs.orderBy}`,
    logs.columns.filter((c) => c.name !== 'EventName').map((c): [string, string] => [c.name, c.type]),
    logs.indexes.map((i) => i.name),
  );
  const plan = planUpgrade(files, new Map([[table.name, table]]), {
    database: 'db',
    onCluster: ' ON CLUSTER `main`',
    ttlTables: new Set(),
  });
  const add = plan.find((c) => c.what === 'add column EventName String')!;
  assert.match(
    add.sql!,
    /^ALTER TABLE `db`\.`otel_logs` ON CLUSTER `main` ADD COLUMN IF NOT EXISTS EventName String/,
  );
  assert.deepEqual(
    plan.filter((c) => c.what.startsWith('create')).map((c) => `${c.table} ${c.what}`),
    ['otel_traces_trace_id_ts create table', 'otel_traces_trace_id_ts_mv create view'],
  );
  assert.ok(plan.filter((c) => c.what.startsWith('create')).every((c) => /ON CLUSTER/.test(c.sql!)));
});
