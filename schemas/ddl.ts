/**
 * Renders the numbered DDL files in schemas/clickhouse/ for one deployment: database, TTL per
 * signal, cluster (ON CLUSTER + Replicated engines), the index variant the server supports and the
 * insert-dedup window the writer's tokens rely on.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fromRoot } from '../core/paths.js';
import {
  type Retention,
  TTL_SIGNALS,
  type TtlSignal,
  retentionInterval,
  retentionSeconds,
} from '../core/config/retention.js';

/** How attribute maps are stored: Map(LowCardinality(String), String) columns or JSON columns. */
export type AttributeLayout = 'map' | 'json';

/** The tables whose layout differs between Map and JSON attributes (the exporter has no JSON metrics). */
export const LAYOUT_TABLES: readonly string[] = ['otel_logs', 'otel_traces', 'hyperdx_sessions'];

export interface DdlOptions {
  readonly database: string;
  /** Attribute layout of new tables (`schema.attributes`); `map` when absent. */
  readonly attributes?: AttributeLayout;
  /**
   * The layout of tables that already exist (migrate reads it): it wins over `attributes` for that
   * table and for what is built on it (the rollup views read its columns).
   */
  readonly layouts?: Readonly<Partial<Record<string, AttributeLayout>>>;
  /** Retention of every table without its own `ttl` entry; 0 = keep forever. */
  readonly ttlDays: number;
  /** Per-signal retention (ClickStack's *_TTL): `30d`, `720h`, …; empty or absent = ttlDays; `0` = none. */
  readonly ttl?: Retention;
  /**
   * ClickStack's index variant: text indexes on the *AttributeItems aliases (ClickHouse >= 26.2,
   * the default) or bloom_filter / tokenbf_v1 without the aliases (older servers). `migrate`
   * chooses it from `SELECT version()`.
   */
  readonly fullTextIndexes?: boolean;
  /**
   * Existing tables that keep the bloom_filter / tokenbf_v1 variant whatever the server (they were
   * made with it): like ClickStack, nothing swaps a table's indexes later.
   */
  readonly compatTables?: ReadonlySet<string>;
  /** Empty = a single server. */
  readonly cluster: string;
  /** Inserts remembered per table for insert_deduplication_token. */
  readonly dedupWindow: number;
}

export interface DdlFile {
  readonly name: string;
  readonly statements: readonly string[];
}

/** The tables the writer inserts into (the MV targets are filled by ClickHouse itself). */
export const TABLES = {
  logs: 'otel_logs',
  traces: 'otel_traces',
  traceIdTs: 'otel_traces_trace_id_ts',
  gauge: 'otel_metrics_gauge',
  sum: 'otel_metrics_sum',
  histogram: 'otel_metrics_histogram',
  exponentialHistogram: 'otel_metrics_exponential_histogram',
  summary: 'otel_metrics_summary',
  sessions: 'hyperdx_sessions',
} as const;

/**
 * Tables filled by materialized views, by the table whose inserts feed them: an insert into the
 * source also writes these (a delivery guarantee has to cover them too).
 */
export const VIEW_TARGETS: Readonly<Record<string, readonly string[]>> = {
  otel_logs: ['otel_logs_kv_rollup_15m'],
  otel_traces: ['otel_traces_trace_id_ts', 'otel_traces_kv_rollup_15m'],
};

const VIEW_TARGET_TABLES: readonly string[] = Object.values(VIEW_TARGETS).flat();

/** Tables the writer inserts into itself, with tokens (every table but the materialized-view targets). */
export const INSERTED_TABLES: readonly string[] = Object.values(TABLES).filter(
  (t) => !VIEW_TARGET_TABLES.includes(t),
);

/** The scratch table of the writer's start-up self-test (writer/delivery/self-test.ts). */
export const SELF_TEST_TABLE = 'tributary_selftest';

/** Tables whose inserts the server marks (views tributary_mark_<table>): the inserted ones and the self-test's. */
export const MARKED_TABLES: readonly string[] = [...INSERTED_TABLES, SELF_TEST_TABLE];

/** The KeeperMap table of plans and done flags (clickhouse.coordination=keepermap). */
export const KEEPER_STATE_TABLE = 'tributary_plans_kv';

/**
 * The KeeperMap table of writer/delivery/keeper-state.ts. Its Keeper path is the database's own, so
 * every replica (ON CLUSTER) and every server sharing the Keeper sees the same keys; the server's
 * <keeper_map_path_prefix> is put in front of it.
 */
export function keeperStateDdl(options: Pick<DdlOptions, 'database' | 'cluster'>): string {
  validateDdlOptions({ ...options, ttlDays: 0, dedupWindow: 1 });
  const onCluster = options.cluster ? ` ON CLUSTER ${identifier(options.cluster)}` : '';
  return `CREATE TABLE IF NOT EXISTS ${identifier(options.database)}.${KEEPER_STATE_TABLE}${onCluster}
(
    Key String COMMENT 'stream @ start of the batch',
    Stream String,
    Start UInt64,
    End UInt64,
    RuleVersion String COMMENT 'Row rules of the plan (or lost / seeded for ranges without a plan)',
    Digest String,
    Writer String,
    Done UInt8 COMMENT '1 once the range is in every table'
)
ENGINE = KeeperMap('/tributary/${options.database}/plans')
PRIMARY KEY Key`;
}

/**
 * Tables whose inserts carry dedup tokens: the inserted ones and every view target their blocks
 * reach (the trace-id table and the kv rollups: a retried insert's view blocks are dropped too,
 * with deduplicate_blocks_in_dependent_materialized_views, only if these tables have a window).
 */
export const DEDUP_TABLES: readonly string[] = [
  ...new Set([...Object.values(TABLES), ...VIEW_TARGET_TABLES]),
];

const MAP = 'Map(LowCardinality(String), String)';

const METRICS_COMMON_COLUMNS = [
  `ResourceAttributes ${MAP} COMMENT 'Resource attributes as text' CODEC(ZSTD(1))`,
  `ResourceSchemaUrl String COMMENT 'Schema URL of the resource' CODEC(ZSTD(1))`,
  `ScopeName String COMMENT 'Instrumentation scope name' CODEC(ZSTD(1))`,
  `ScopeVersion String COMMENT 'Instrumentation scope version' CODEC(ZSTD(1))`,
  `ScopeAttributes ${MAP} COMMENT 'Instrumentation scope attributes as text' CODEC(ZSTD(1))`,
  `ScopeDroppedAttrCount UInt32 COMMENT 'Attributes the scope dropped' CODEC(ZSTD(1))`,
  `ScopeSchemaUrl String COMMENT 'Schema URL of the instrumentation scope' CODEC(ZSTD(1))`,
  `ServiceName LowCardinality(String) COMMENT 'Resource attribute service.name' CODEC(ZSTD(1))`,
  `MetricName LowCardinality(String) COMMENT 'Metric name' CODEC(ZSTD(1))`,
  `MetricDescription String COMMENT 'Metric description' CODEC(ZSTD(1))`,
  `MetricUnit String COMMENT 'Metric unit' CODEC(ZSTD(1))`,
  `Attributes ${MAP} COMMENT 'Data point attributes as text' CODEC(ZSTD(1))`,
  `StartTimeUnix DateTime COMMENT 'Start of the aggregation interval, s' CODEC(Delta(4), ZSTD(1))`,
  `TimeUnix DateTime COMMENT 'Time of the data point, s' CODEC(Delta(4), ZSTD(1))`,
].join(',\n    ');

const METRICS_COMMON_INDEXES = [
  'INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
  'INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
  'INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
  'INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
  'INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1',
  'INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1',
  'INDEX idx_time_minmax TimeUnix TYPE minmax GRANULARITY 1',
].join(',\n    ');

const EXEMPLARS = `Exemplars Nested
    (
        FilteredAttributes ${MAP},
        TimeUnix DateTime,
        Value Float64,
        SpanId String,
        TraceId String
    ) COMMENT 'Exemplars of the data point' CODEC(ZSTD(1))`;

function identifier(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

export function validateDdlOptions(options: DdlOptions): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(options.database))
    throw new Error(`database name "${options.database}" must be letters, digits and _`);
  if (options.cluster && !/^[A-Za-z0-9_.-]+$/.test(options.cluster))
    throw new Error(`cluster name "${options.cluster}" must be letters, digits, _, . and -`);
  for (const signal of TTL_SIGNALS) {
    const text = options.ttl?.[signal] ?? '';
    if (text.trim() !== '') retentionSeconds(text);
  }
}

/** ClickStack's rule: text indexes when the server is 26.2 or newer (`SELECT version()`). */
export function supportsFullTextIndexes(version: string): boolean {
  const [major, minor] = version.split('.').map((part) => Number.parseInt(part, 10));
  if (major === undefined || minor === undefined || Number.isNaN(major) || Number.isNaN(minor))
    throw new Error(`cannot read the ClickHouse version "${version}"`);
  return major > 26 || (major === 26 && minor >= 2);
}

function isTtlSignal(name: string): name is TtlSignal {
  return (TTL_SIGNALS as readonly string[]).includes(name);
}

/** The layout `table` has or gets. */
export function layoutOf(table: string, options: DdlOptions): AttributeLayout {
  return options.layouts?.[table] ?? options.attributes ?? 'map';
}

export function renderDdl(template: string, options: DdlOptions): string {
  validateDdlOptions(options);
  const db = identifier(options.database);
  const dedup = options.cluster
    ? `replicated_deduplication_window = ${options.dedupWindow}`
    : `non_replicated_deduplication_window = ${options.dedupWindow}`;
  const fullText = options.fullTextIndexes ?? true;
  return (
    template
      .replace(/^--.*$/gm, '')
      // One copy of the block per table whose inserts are marked, with {{table}} filled in.
      .replace(/\{\{#each_marked_table\}\}([\s\S]*?)\{\{\/each_marked_table\}\}/g, (_m, block: string) =>
        MARKED_TABLES.map((table) => block.replace(/\{\{table\}\}/g, table)).join(''),
      )
      // The attribute layout of a table: blocks for Map columns or for JSON columns.
      .replace(
        /\{\{#(map|json):([a-z_]+)\}\}\n?([\s\S]*?)\{\{\/\1:\2\}\}\n?/g,
        (_m, layout: string, table: string, body: string) =>
          layoutOf(table, options) === layout ? body : '',
      )
      // ClickStack's index variant: text indexes (>= 26.2) or bloom_filter / tokenbf_v1.
      .replace(
        /\{\{#(fulltext|compat)\}\}\n?([\s\S]*?)\{\{\/\1\}\}\n?/g,
        (_m, variant: string, body: string) => ((variant === 'fulltext') === fullText ? body : ''),
      )
      .replace(/\{\{metrics_common_columns\}\}/g, METRICS_COMMON_COLUMNS)
      .replace(/\{\{metrics_common_indexes\}\}/g, METRICS_COMMON_INDEXES)
      .replace(/\{\{exemplars\}\}/g, EXEMPLARS)
      .replace(/\{\{db\}\}/g, db)
      .replace(/\{\{on_cluster\}\}/g, options.cluster ? `ON CLUSTER ${identifier(options.cluster)}` : '')
      .replace(
        /\{\{engine:([a-z0-9_]+)(?::([A-Za-z]*MergeTree))?\}\}/g,
        (_m, table: string, engine?: string) =>
          options.cluster
            ? `Replicated${engine ?? 'MergeTree'}('/clickhouse/tables/{shard}/${options.database}/${table}', '{replica}')`
            : (engine ?? 'MergeTree'),
      )
      .replace(/\{\{ttl:([a-z]+):([^}]+)\}\}/g, (_m, signal: string, expr: string) => {
        if (!isTtlSignal(signal)) throw new Error(`unknown TTL signal "${signal}" in a DDL template`);
        const interval = retentionInterval(signal, options.ttl ?? {}, options.ttlDays);
        return interval ? `TTL ${expr} + ${interval}` : '';
      })
      .replace(/\{\{dedup_settings\}\}/g, dedup)
      .replace(/\n{2,}/g, '\n')
      .trim()
  );
}

function templates(): { name: string; text: string }[] {
  const dir = fromRoot('schemas', 'clickhouse');
  return readdirSync(dir)
    .filter((f) => /^\d{3}_.+\.sql$/.test(f))
    .sort()
    .map((name) => ({ name, text: readFileSync(`${dir}/${name}`, 'utf8') }));
}

/** The first table a template creates (its index variant is that table's). */
function mainTable(template: string): string | undefined {
  return /CREATE TABLE IF NOT EXISTS \{\{db\}\}\.([a-z0-9_]+)/.exec(template)?.[1];
}

/** Every DDL file in order, rendered and split into statements. */
export function loadDdl(options: DdlOptions): DdlFile[] {
  return templates().map(({ name, text }) => {
    const table = mainTable(text);
    const compat = table !== undefined && (options.compatTables?.has(table) ?? false);
    const rendered = renderDdl(text, compat ? { ...options, fullTextIndexes: false } : options);
    return {
      name,
      statements: rendered
        .split(/;\s*(?:\n|$)/)
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
    };
  });
}

/** Which tables each retention signal covers (the `{{ttl:<signal>:…}}` of each CREATE TABLE). */
export function tablesBySignal(): Record<TtlSignal, string[]> {
  const out: Record<TtlSignal, string[]> = { logs: [], traces: [], metrics: [], sessions: [] };
  for (const { text } of templates())
    for (const statement of text.split(/;\s*\n/)) {
      const table = mainTable(statement);
      const signal = /\{\{ttl:([a-z]+):/.exec(statement)?.[1];
      if (table && signal && isTtlSignal(signal) && !out[signal].includes(table)) out[signal].push(table);
    }
  return out;
}
