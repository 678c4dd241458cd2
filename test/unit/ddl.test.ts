import assert from 'node:assert/strict';
import { test } from 'node:test';
import { intervalExpression, retentionSeconds } from '../../core/config/retention.js';
import {
  DEDUP_TABLES,
  type DdlOptions,
  INSERTED_TABLES,
  keeperStateDdl,
  loadDdl,
  renderDdl,
  supportsFullTextIndexes,
} from '../../schemas/ddl.js';

const base = { database: 'otel', ttlDays: 0, cluster: '', dedupWindow: 1000 };

test('TTL clause only when ttlDays > 0', () => {
  const template =
    'CREATE TABLE {{db}}.t (a DateTime) ENGINE = {{engine:t}} ORDER BY a {{ttl:logs:a}} SETTINGS {{dedup_settings}}';
  assert.doesNotMatch(renderDdl(template, base), /TTL/);
  assert.match(renderDdl(template, { ...base, ttlDays: 7 }), /TTL a \+ toIntervalDay\(7\)/);
});

test('a cluster gets ON CLUSTER, Replicated engines and the replicated dedup window', () => {
  const files = loadDdl({ ...base, cluster: 'prod' });
  const all = files.flatMap((f) => f.statements).join('\n');
  assert.equal((all.match(/ON CLUSTER `prod`/g) ?? []).length, files.flatMap((f) => f.statements).length);
  assert.match(
    all,
    /ReplicatedMergeTree\('\/clickhouse\/tables\/\{shard\}\/otel\/otel_logs', '\{replica\}'\)/,
  );
  assert.match(all, /replicated_deduplication_window = 1000/);
  assert.doesNotMatch(all, /non_replicated_deduplication_window/);
});

test('a single server gets MergeTree and the non-replicated dedup window on every table', () => {
  const statements = loadDdl(base).flatMap((f) => f.statements);
  const tables = statements.filter((s) => /^CREATE TABLE/.test(s));
  assert.equal(tables.length, 15); // 9 ClickStack tables, 2 kv rollups, the delivery state's 3 + the self-test's
  // The data tables carry the dedup window; the state tables are written without dedup on purpose.
  for (const s of tables.filter((x) => !/\.tributary_/.test(x)))
    assert.match(s, /non_replicated_deduplication_window = 1000/);
  assert.ok(!statements.join('\n').includes('{{'), 'every placeholder rendered');
});

test('bad names are refused before any SQL is built', () => {
  assert.throws(() => renderDdl('x', { ...base, database: 'otel; DROP' }), /database name/);
  assert.throws(() => renderDdl('x', { ...base, cluster: "a'b" }), /cluster name/);
});

/** The CREATE TABLE statement of `table`, rendered with `options`. */
function create(table: string, options: Partial<DdlOptions> = {}): string {
  const statements = loadDdl({ ...base, ...options }).flatMap((f) => f.statements);
  const found = statements.find((s) => s.startsWith(`CREATE TABLE IF NOT EXISTS \`otel\`.${table} `));
  assert.ok(found, `${table} is created`);
  return found;
}

/** index name → "TYPE ... [GRANULARITY n]" as rendered. */
function indexes(statement: string): Map<string, string> {
  return new Map([...statement.matchAll(/INDEX (\w+) .+? TYPE (.+?),?$/gm)].map((m) => [m[1]!, m[2]!]));
}

// clickstack-processing.md §3.2: the compat seeds, used on ClickHouse < 26.2.
const COMPAT_LOGS_INDEXES = {
  idx_trace_id: 'bloom_filter(0.001) GRANULARITY 1',
  idx_res_attr_key: 'bloom_filter(0.01) GRANULARITY 1',
  idx_res_attr_value: 'bloom_filter(0.01) GRANULARITY 1',
  idx_scope_attr_key: 'bloom_filter(0.01) GRANULARITY 1',
  idx_scope_attr_value: 'bloom_filter(0.01) GRANULARITY 1',
  idx_log_attr_key: 'bloom_filter(0.01) GRANULARITY 1',
  idx_log_attr_value: 'bloom_filter(0.01) GRANULARITY 1',
  idx_lower_body: 'tokenbf_v1(32768, 3, 0) GRANULARITY 8',
};
const FULLTEXT_LOGS_INDEXES = {
  idx_trace_id: "text(tokenizer = 'array')",
  idx_res_attr_key: "text(tokenizer = 'array')",
  idx_res_attr_items: "text(tokenizer = 'array')",
  idx_scope_attr_key: "text(tokenizer = 'array')",
  idx_scope_attr_items: "text(tokenizer = 'array')",
  idx_log_attr_key: "text(tokenizer = 'array')",
  idx_log_attr_items: "text(tokenizer = 'array')",
  idx_lower_body: "text(tokenizer = 'splitByNonAlpha')",
};
const TRACES_SHARED_INDEXES = {
  idx_trace_id: 'bloom_filter(0.001) GRANULARITY 1',
  idx_rum_session_id: 'bloom_filter(0.001) GRANULARITY 1',
  idx_res_attr_key: 'bloom_filter(0.01) GRANULARITY 1',
  idx_span_attr_key: 'bloom_filter(0.01) GRANULARITY 1',
  idx_duration: 'minmax GRANULARITY 1',
  idx_lower_span_name: 'tokenbf_v1(32768, 3, 0) GRANULARITY 8',
};

test('ClickHouse < 26.2: the compat indexes of the reference, without the *Items aliases', () => {
  const logs = create('otel_logs', { fullTextIndexes: false });
  assert.deepEqual(Object.fromEntries(indexes(logs)), COMPAT_LOGS_INDEXES);
  assert.doesNotMatch(logs, /AttributeItems/);
  const traces = create('otel_traces', { fullTextIndexes: false });
  assert.deepEqual(Object.fromEntries(indexes(traces)), {
    ...TRACES_SHARED_INDEXES,
    idx_res_attr_value: 'bloom_filter(0.01) GRANULARITY 1',
    idx_span_attr_value: 'bloom_filter(0.01) GRANULARITY 1',
  });
  assert.doesNotMatch(traces, /AttributeItems/);
});

test('ClickHouse >= 26.2 (the default): text indexes on the *Items aliases, no GRANULARITY', () => {
  const logs = create('otel_logs');
  assert.deepEqual(Object.fromEntries(indexes(logs)), FULLTEXT_LOGS_INDEXES);
  for (const alias of ['ResourceAttributeItems', 'ScopeAttributeItems', 'LogAttributeItems'])
    assert.match(logs, new RegExp(`${alias} Array\\(String\\) ALIAS arrayMap`));
  const traces = create('otel_traces');
  assert.deepEqual(Object.fromEntries(indexes(traces)), {
    ...TRACES_SHARED_INDEXES,
    idx_res_attr_items: "text(tokenizer = 'array')",
    idx_span_attr_items: "text(tokenizer = 'array')",
  });
  assert.match(traces, /SpanAttributeItems Array\(String\) ALIAS/);
  assert.doesNotMatch(logs + traces, /\{\{|\}\}/, 'no block markers left');
});

test('the variant follows the version as ClickStack reads it', () => {
  for (const v of ['26.2.1.1', '26.7.2.1', '27.1', '30.0.0'])
    assert.equal(supportsFullTextIndexes(v), true, v);
  for (const v of ['26.1.9.1', '25.12.1.1', '24.8.14.39']) assert.equal(supportsFullTextIndexes(v), false, v);
  assert.throws(() => supportsFullTextIndexes('unknown'), /version/);
});

test('otel_logs settings and ordering are ClickStack', () => {
  for (const fullTextIndexes of [true, false]) {
    const logs = create('otel_logs', { fullTextIndexes });
    assert.match(
      logs,
      /SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, enable_block_number_column = 1, enable_block_offset_column = 1,/,
    );
    assert.match(logs, /ORDER BY \(toStartOfFiveMinutes\(Timestamp\), ServiceName, Timestamp\)/);
  }
});

test('the 15-minute rollups: SummingMergeTree tables and the views that feed them', () => {
  const statements = loadDdl(base).flatMap((f) => f.statements);
  for (const [signal, source, view, columns] of [
    [
      'logs',
      'otel_logs',
      'otel_logs_attr_kv_rollup_15m_mv',
      [
        'SeverityText',
        'ServiceName',
        'ScopeName',
        'ScopeVersion',
        'ResourceSchemaUrl',
        'ScopeSchemaUrl',
        '__hdx_materialized_k8s.cluster.name',
        '__hdx_materialized_k8s.container.name',
        '__hdx_materialized_k8s.deployment.name',
        '__hdx_materialized_k8s.namespace.name',
        '__hdx_materialized_k8s.node.name',
        '__hdx_materialized_k8s.pod.name',
        '__hdx_materialized_k8s.pod.uid',
        '__hdx_materialized_deployment.environment.name',
      ],
    ],
    [
      'traces',
      'otel_traces',
      'otel_traces_kv_rollup_15m_mv',
      ['ServiceName', 'SpanName', 'SpanKind', 'StatusCode', 'ScopeName', 'ScopeVersion'],
    ],
  ] as const) {
    const table = create(`otel_${signal}_kv_rollup_15m`);
    assert.match(
      table,
      /ENGINE = SummingMergeTree\nPARTITION BY toDate\(Timestamp\)\nORDER BY \(ColumnIdentifier, Key, Timestamp, Value\)/,
    );
    assert.deepEqual(Object.fromEntries(indexes(table)), {
      idx_count_minmax: 'minmax GRANULARITY 1',
      idx_timestamp_minmax: 'minmax GRANULARITY 1',
    });
    const mv = statements.find((s) =>
      s.startsWith(`CREATE MATERIALIZED VIEW IF NOT EXISTS \`otel\`.${view} `),
    );
    assert.ok(mv, `${view} exists`);
    assert.match(mv, new RegExp(`TO \`otel\`\\.otel_${signal}_kv_rollup_15m\\n`));
    assert.match(mv, new RegExp(`FROM \`otel\`\\.${source}\\n`));
    assert.deepEqual(
      [...mv.matchAll(/\('([^']+)', toString/g)].map((m) => m[1]),
      columns,
    );
    assert.doesNotMatch(mv, /WHERE/, 'empty values are counted too');
  }
  assert.match(
    create('otel_logs_kv_rollup_15m', { cluster: 'prod' }),
    /ReplicatedSummingMergeTree\('\/clickhouse\/tables\/\{shard\}\/otel\/otel_logs_kv_rollup_15m', '\{replica\}'\)/,
  );
});

test('retention per signal, as ClickStack renders it, falling back to ttlDays', () => {
  const ttl = { logs: '720h', traces: '90m', metrics: '36h', sessions: '3600s' };
  const ttlOf = (table: string, options: Partial<DdlOptions>): string | undefined =>
    /\nTTL (.+)\n/.exec(create(table, options))?.[1];
  assert.equal(ttlOf('otel_logs', { ttl }), 'toDateTime(Timestamp) + toIntervalDay(30)');
  assert.equal(ttlOf('otel_logs_kv_rollup_15m', { ttl }), 'Timestamp + toIntervalDay(30)');
  assert.equal(ttlOf('otel_traces', { ttl }), 'toDate(Timestamp) + toIntervalMinute(90)');
  assert.equal(ttlOf('otel_traces_trace_id_ts', { ttl }), 'toDate(Start) + toIntervalMinute(90)');
  assert.equal(ttlOf('otel_traces_kv_rollup_15m', { ttl }), 'Timestamp + toIntervalMinute(90)');
  for (const m of ['gauge', 'sum', 'histogram', 'exponential_histogram', 'summary'])
    assert.equal(ttlOf(`otel_metrics_${m}`, { ttl }), 'toDateTime(TimeUnix) + toIntervalHour(36)');
  assert.equal(ttlOf('hyperdx_sessions', { ttl }), 'TimestampTime + toIntervalHour(1)');
  assert.equal(ttlOf('otel_logs', { ttlDays: 7 }), 'toDateTime(Timestamp) + toIntervalDay(7)', 'fallback');
  assert.equal(
    ttlOf('otel_logs', { ttlDays: 7, ttl: { logs: '' } }),
    'toDateTime(Timestamp) + toIntervalDay(7)',
  );
  assert.equal(ttlOf('otel_logs', { ttlDays: 7, ttl: { logs: '0' } }), undefined, '0 = no TTL');
  assert.throws(() => loadDdl({ ...base, ttl: { logs: '1w' } }), /retention "1w"/);
});

test('retention texts: durations and whole days; the coarsest exact interval', () => {
  const cases: [string, number, string][] = [
    ['720h', 2_592_000, 'toIntervalDay(30)'],
    ['30d', 2_592_000, 'toIntervalDay(30)'],
    ['90m', 5_400, 'toIntervalMinute(90)'],
    ['1h30m', 5_400, 'toIntervalMinute(90)'],
    ['3600s', 3_600, 'toIntervalHour(1)'],
    ['61s', 61, 'toIntervalSecond(61)'],
    ['25h', 90_000, 'toIntervalHour(25)'],
  ];
  for (const [text, seconds, interval] of cases) {
    assert.equal(retentionSeconds(text), seconds, text);
    assert.equal(intervalExpression(seconds), interval, text);
  }
  for (const bad of ['', '1.5h', '-1h', '0h', '10', 'd', '1d2h', '100ms'])
    assert.throws(() => retentionSeconds(bad), bad);
});

test('view targets (trace-id table, kv rollups) get a dedup window and no insert-mark view', () => {
  for (const t of ['otel_traces_trace_id_ts', 'otel_logs_kv_rollup_15m', 'otel_traces_kv_rollup_15m']) {
    assert.ok(DEDUP_TABLES.includes(t), `${t} has a dedup window`);
    assert.ok(!INSERTED_TABLES.includes(t), `${t} is filled by a view only`);
  }
  const marks = loadDdl(base)
    .flatMap((f) => f.statements)
    .filter((s) => /tributary_mark_/.test(s));
  // One per inserted table, and the self-test's scratch table.
  assert.equal(marks.length, INSERTED_TABLES.length + 1);
  assert.ok(marks.some((s) => /tributary_mark_tributary_selftest/.test(s)));
  assert.ok(marks.every((s) => !/kv_rollup|trace_id_ts/.test(s)));
});

test('the KeeperMap state: one Keeper path per database, ON CLUSTER on a cluster', () => {
  const single = keeperStateDdl({ database: 'otel', cluster: '' });
  assert.match(single, /^CREATE TABLE IF NOT EXISTS `otel`\.tributary_plans_kv\n/);
  assert.match(single, /ENGINE = KeeperMap\('\/tributary\/otel\/plans'\)\nPRIMARY KEY Key$/);
  assert.match(keeperStateDdl({ database: 'otel', cluster: 'prod' }), /tributary_plans_kv ON CLUSTER `prod`/);
  assert.throws(() => keeperStateDdl({ database: "o'tel", cluster: '' }), /database name/);
});
