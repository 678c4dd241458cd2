/**
 * Row-by-row comparison of one table in two databases (bench/parity.ts): every stored column except
 * ALIAS ones and those filled by now() at insert, as JSONEachRow lines (map entries in stored order, so
 * an order difference counts). Identical rows are matched as a multiset; the rest are paired by a key
 * (time + name-like columns) and compared column by column.
 *
 * Tables filled per insert block by materialized views (trace id ranges, kv rollups) depend on how
 * rows were batched, which differs by design: they are compared in their read form (min/max, sum).
 */
import type { ClickHouseClient } from '../../core/clickhouse.js';
import { knownDifference, knownUnpaired } from './parity-known.js';

export interface ColumnDiff {
  readonly column: string;
  readonly a: unknown;
  readonly b: unknown;
  /** Both are maps with the same entries in a different order. */
  readonly orderOnly?: boolean;
  /** A known, chosen difference (parity-known.ts, docs/schema.md). */
  readonly known?: string;
}

export interface TableResult {
  readonly table: string;
  readonly rowsA: number;
  readonly rowsB: number;
  readonly identical: number;
  readonly differing: number;
  /** Differing rows whose every column difference is a known one. */
  readonly explained: number;
  /** Known difference → rows showing it. */
  readonly known: Record<string, number>;
  readonly onlyA: number;
  readonly onlyB: number;
  /** Column → how many paired rows differ in it. */
  readonly columns: Record<string, number>;
  readonly examples: { key: string; diffs: ColumnDiff[] }[];
  readonly unpaired: { side: 'A' | 'B'; row: string; known: string | undefined }[];
  /** Differing rows not explained plus unpaired rows not explained. */
  readonly unexplained: number;
}

/**
 * Rollup buckets of rows whose time the writer clamps differ by that known difference (the raw rows
 * show it): only buckets from a year ago to an hour ahead are compared (clamped times land 2 h ahead,
 * 5 years back with the test writer's window, or at 1970 on the Collector's side).
 */
const RECENT = 'WHERE Timestamp BETWEEN now() - INTERVAL 365 DAY AND now() + INTERVAL 1 HOUR';
/** Read forms of the tables a materialized view fills per insert block. */
const AGGREGATED: Record<string, string> = {
  otel_traces_trace_id_ts: 'SELECT TraceId, min(Start) AS Start, max(End) AS End FROM {t} GROUP BY TraceId',
  otel_logs_kv_rollup_15m: `SELECT Timestamp, ColumnIdentifier, Key, Value, sum(count) AS count FROM {t} ${RECENT} GROUP BY Timestamp, ColumnIdentifier, Key, Value`,
  otel_traces_kv_rollup_15m: `SELECT Timestamp, ColumnIdentifier, Key, Value, sum(count) AS count FROM {t} ${RECENT} GROUP BY Timestamp, ColumnIdentifier, Key, Value`,
};
/** Columns that pair a differing row with its counterpart, the first present of each group. */
const PAIR_KEYS = [
  ['Timestamp', 'TimeUnix', 'Start'],
  ['SpanId', 'MetricName', 'ColumnIdentifier'],
  ['SpanName', 'Key'],
  ['TraceId'],
];
const EXAMPLES = 40;

async function text(client: ClickHouseClient, query: string): Promise<string[]> {
  const result = await client.query({
    query,
    format: 'JSONEachRow',
    // prefer_column_name_to_alias: `f(X) AS X` must not hide the column X from another expression.
    clickhouse_settings: { output_format_json_quote_denormals: 1, prefer_column_name_to_alias: 1 },
  });
  return (await result.text()).split('\n').filter((line) => line !== '');
}

interface ColumnInfo {
  name: string;
  type: string;
  default_kind: string;
  default_expression: string;
}

async function columnsOf(client: ClickHouseClient, database: string, table: string): Promise<ColumnInfo[]> {
  const result = await client.query({
    query: `SELECT name, type, default_kind, default_expression FROM system.columns WHERE database = {db:String} AND table = {t:String} ORDER BY position`,
    query_params: { db: database, t: table },
    format: 'JSONEachRow',
  });
  return result.json<ColumnInfo>();
}

/** How one column is read for comparison. */
function readAs(c: ColumnInfo): string[] {
  const name = `\`${c.name}\``;
  // Maps as [key, value] pairs: JSON objects would hide duplicate keys and make order invisible.
  const pairs = 'Array(Tuple(String, String))';
  if (c.type.startsWith('Map(')) return [`CAST(${name}, '${pairs}') AS ${name}`];
  if (c.type.startsWith('Array(Map(')) return [`arrayMap(m -> CAST(m, '${pairs}'), ${name}) AS ${name}`];
  // JSON columns: the paths' values as JSON text (sorted paths) and, apart, each path's type.
  if (/^JSON\b/.test(c.type))
    return [
      `toJSONString(${name}) AS ${name}`,
      `toJSONString(JSONAllPathsWithTypes(${name})) AS \`${c.name}:types\``,
    ];
  if (/^Array\(JSON\b/.test(c.type))
    return [
      `arrayMap(j -> toJSONString(j), ${name}) AS ${name}`,
      `arrayMap(j -> toJSONString(JSONAllPathsWithTypes(j)), ${name}) AS \`${c.name}:types\``,
    ];
  return [name];
}

const TIME = /^(Array\()?DateTime(64\(\d+\))?\)?$/;

/**
 * A time column typed DateTime on one side and DateTime64 on the other (tables an older exporter
 * made: the layout difference is reported apart): both read at second precision, so the rows still
 * compare.
 */
function readTimeAsSeconds(c: ColumnInfo, otherType: string): string[] | undefined {
  if (c.type === otherType || !TIME.test(c.type) || !TIME.test(otherType)) return undefined;
  const name = `\`${c.name}\``;
  return c.type.startsWith('Array(')
    ? [`arrayMap(t -> toDateTime(t), ${name}) AS ${name}`]
    : [`toDateTime(${name}) AS ${name}`];
}

export interface TableLayout {
  /** The SELECT list both sides are read with (the columns both have, in A's order). */
  readonly select: string;
  /** Columns one side has and the other has not, and columns whose types differ. */
  readonly differences: string[];
}

/**
 * The columns compared in `table` of databases A and B: every column both have except ALIAS ones
 * and those filled by now() at insert; what one side lacks or types otherwise is reported.
 */
export async function tableLayout(
  client: ClickHouseClient,
  databaseA: string,
  databaseB: string,
  table: string,
): Promise<TableLayout> {
  const [a, b] = await Promise.all([
    columnsOf(client, databaseA, table),
    columnsOf(client, databaseB, table),
  ]);
  const typeB = new Map(b.map((c) => [c.name, c.type]));
  const typeA = new Map(a.map((c) => [c.name, c.type]));
  const differences = [
    ...a.filter((c) => !typeB.has(c.name)).map((c) => `only A: ${c.name} ${c.type}`),
    ...b.filter((c) => !typeA.has(c.name)).map((c) => `only B: ${c.name} ${c.type}`),
    ...a
      .filter((c) => typeB.has(c.name) && typeB.get(c.name) !== c.type)
      .map((c) => `${c.name}: A ${c.type}, B ${typeB.get(c.name)}`),
  ];
  const select = a
    .filter((c) => typeB.has(c.name))
    .filter((c) => c.default_kind !== 'ALIAS' && !/\bnow(64)?\(/i.test(c.default_expression))
    .flatMap((c) => readTimeAsSeconds(c, typeB.get(c.name)!) ?? readAs(c))
    .join(', ');
  return { select, differences };
}

/** A table's rows as compared; `select` defaults to every comparable column of this table. */
export async function tableRows(
  client: ClickHouseClient,
  database: string,
  table: string,
  select?: string,
): Promise<string[]> {
  const from = `\`${database}\`.\`${table}\``;
  const aggregated = AGGREGATED[table];
  const list = select ?? (await tableLayout(client, database, database, table)).select;
  const query = aggregated ? aggregated.replace('{t}', from) : `SELECT ${list} FROM ${from}`;
  return (await text(client, query)).sort();
}

/** Columns that hold times or follow from them (the writer clamps times). */
const TIME_COLUMNS = new Set([
  'Timestamp',
  'TimestampTime',
  'TimeUnix',
  'StartTimeUnix',
  'Start',
  'End',
  'Duration',
]);

/** Pass 0: key columns with time; pass 1: every column but the time ones; pass 2: key columns without time. */
function pairKey(row: Record<string, unknown>, pass = 0): string {
  if (pass === 1) return JSON.stringify(Object.entries(row).filter(([column]) => !TIME_COLUMNS.has(column)));
  const parts: unknown[] = [];
  for (const group of pass === 0 ? PAIR_KEYS : PAIR_KEYS.slice(1)) {
    const column = group.find((c) => c in row);
    if (column) parts.push(row[column]);
  }
  return JSON.stringify(parts);
}

function sameEntries(a: unknown, b: unknown): boolean {
  if (!a || !b || typeof a !== 'object' || typeof b !== 'object' || Array.isArray(a) || Array.isArray(b))
    return false;
  const sorted = (o: object): string =>
    JSON.stringify(Object.entries(o).sort(([x], [y]) => (x < y ? -1 : 1)));
  return sorted(a) === sorted(b);
}

export function compareRows(table: string, a: string[], b: string[]): TableResult {
  // Multiset intersection of identical lines.
  const left = new Map<string, number>();
  for (const line of a) left.set(line, (left.get(line) ?? 0) + 1);
  let identical = 0;
  const restB: string[] = [];
  for (const line of b) {
    const n = left.get(line) ?? 0;
    if (n > 0) {
      identical++;
      left.set(line, n - 1);
    } else restB.push(line);
  }
  const restA = [...left].flatMap(([line, n]) => Array<string>(n).fill(line));
  // Pair what is left by key, then by all but the time columns, then by the key without its time.
  const rowsB = restB.map((line) => JSON.parse(line) as Record<string, unknown>);
  const rowsA = restA.map((line) => JSON.parse(line) as Record<string, unknown>);
  const pairs: [Record<string, unknown>, Record<string, unknown>][] = [];
  let leftA = rowsA;
  let leftB = rowsB;
  for (const pass of [0, 1, 2]) {
    const byKey = new Map<string, Record<string, unknown>[]>();
    for (const row of leftB) {
      const key = pairKey(row, pass);
      byKey.set(key, [...(byKey.get(key) ?? []), row]);
    }
    const unmatched: Record<string, unknown>[] = [];
    for (const rowA of leftA) {
      const rowB = byKey.get(pairKey(rowA, pass))?.shift();
      if (rowB) pairs.push([rowA, rowB]);
      else unmatched.push(rowA);
    }
    leftA = unmatched;
    leftB = [...byKey.values()].flat();
  }
  const columns: Record<string, number> = {};
  const known: Record<string, number> = {};
  const examples: TableResult['examples'] = [];
  let explained = 0;
  for (const [rowA, rowB] of pairs) {
    const diffs: ColumnDiff[] = [];
    for (const column of Object.keys(rowA)) {
      const [va, vb] = [rowA[column], rowB[column]];
      if (JSON.stringify(va) === JSON.stringify(vb)) continue;
      columns[column] = (columns[column] ?? 0) + 1;
      const id = knownDifference(column, va, vb, rowA, rowB);
      if (id) known[id] = (known[id] ?? 0) + 1;
      diffs.push({
        column,
        a: va,
        b: vb,
        ...(sameEntries(va, vb) ? { orderOnly: true } : {}),
        ...(id ? { known: id } : {}),
      });
    }
    if (diffs.every((x) => x.known)) explained++;
    // Unexplained ones first, so the report shows them.
    if (examples.length < EXAMPLES)
      examples[diffs.every((x) => x.known) ? 'push' : 'unshift']({ key: pairKey(rowA), diffs });
  }
  const unpaired: TableResult['unpaired'] = [
    ...leftA.map((row) => ({ side: 'A' as const, row: JSON.stringify(row), known: knownUnpaired('A', row) })),
    ...leftB.map((row) => ({ side: 'B' as const, row: JSON.stringify(row), known: knownUnpaired('B', row) })),
  ];
  for (const u of unpaired) if (u.known) known[u.known] = (known[u.known] ?? 0) + 1;
  return {
    table,
    rowsA: a.length,
    rowsB: b.length,
    identical,
    differing: pairs.length,
    explained,
    known,
    onlyA: unpaired.filter((u) => u.side === 'A').length,
    onlyB: unpaired.filter((u) => u.side === 'B').length,
    columns,
    examples,
    unpaired: [...unpaired.filter((u) => !u.known), ...unpaired.filter((u) => u.known)].slice(0, EXAMPLES),
    unexplained: pairs.length - explained + unpaired.filter((u) => !u.known).length,
  };
}
