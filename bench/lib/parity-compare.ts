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

export interface ColumnDiff {
  readonly column: string;
  readonly a: unknown;
  readonly b: unknown;
  /** Both are maps with the same entries in a different order. */
  readonly orderOnly?: boolean;
}

export interface TableResult {
  readonly table: string;
  readonly rowsA: number;
  readonly rowsB: number;
  readonly identical: number;
  readonly differing: number;
  readonly onlyA: number;
  readonly onlyB: number;
  /** Column → how many paired rows differ in it. */
  readonly columns: Record<string, number>;
  readonly examples: { key: string; diffs: ColumnDiff[] }[];
  readonly unpaired: { side: 'A' | 'B'; row: string }[];
}

/** Read forms of the tables a materialized view fills per insert block. */
const AGGREGATED: Record<string, string> = {
  otel_traces_trace_id_ts: 'SELECT TraceId, min(Start) AS Start, max(End) AS End FROM {t} GROUP BY TraceId',
  otel_logs_kv_rollup_15m:
    'SELECT Timestamp, ColumnIdentifier, Key, Value, sum(count) AS count FROM {t} GROUP BY Timestamp, ColumnIdentifier, Key, Value',
  otel_traces_kv_rollup_15m:
    'SELECT Timestamp, ColumnIdentifier, Key, Value, sum(count) AS count FROM {t} GROUP BY Timestamp, ColumnIdentifier, Key, Value',
};
/** Columns that pair a differing row with its counterpart, the first present of each group. */
const PAIR_KEYS = [
  ['Timestamp', 'TimeUnix', 'Start'],
  ['SpanId', 'MetricName', 'ColumnIdentifier'],
  ['SpanName', 'Key'],
  ['TraceId'],
];
const EXAMPLES = 8;

async function text(client: ClickHouseClient, query: string): Promise<string[]> {
  const result = await client.query({
    query,
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_denormals: 1 },
  });
  return (await result.text()).split('\n').filter((line) => line !== '');
}

export async function selectList(client: ClickHouseClient, database: string, table: string): Promise<string> {
  const result = await client.query({
    query: `SELECT name, default_kind, default_expression FROM system.columns WHERE database = {db:String} AND table = {t:String} ORDER BY position`,
    query_params: { db: database, t: table },
    format: 'JSONEachRow',
  });
  const columns = await result.json<{ name: string; default_kind: string; default_expression: string }>();
  return columns
    .filter((c) => c.default_kind !== 'ALIAS' && !/\bnow(64)?\(/i.test(c.default_expression))
    .map((c) => `\`${c.name}\``)
    .join(', ');
}

export async function tableRows(
  client: ClickHouseClient,
  database: string,
  table: string,
): Promise<string[]> {
  const from = `\`${database}\`.\`${table}\``;
  const aggregated = AGGREGATED[table];
  const query = aggregated
    ? aggregated.replace('{t}', from)
    : `SELECT ${await selectList(client, database, table)} FROM ${from}`;
  return (await text(client, query)).sort();
}

function pairKey(row: Record<string, unknown>): string {
  const parts: unknown[] = [];
  for (const group of PAIR_KEYS) {
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
  // Pair what is left by key.
  const byKey = new Map<string, Record<string, unknown>[]>();
  for (const line of restB) {
    const row = JSON.parse(line) as Record<string, unknown>;
    const key = pairKey(row);
    byKey.set(key, [...(byKey.get(key) ?? []), row]);
  }
  const columns: Record<string, number> = {};
  const examples: TableResult['examples'] = [];
  const unpaired: TableResult['unpaired'] = [];
  let differing = 0;
  for (const line of restA) {
    const rowA = JSON.parse(line) as Record<string, unknown>;
    const key = pairKey(rowA);
    const rowB = byKey.get(key)?.shift();
    if (!rowB) {
      unpaired.push({ side: 'A', row: line });
      continue;
    }
    differing++;
    const diffs: ColumnDiff[] = [];
    for (const column of Object.keys(rowA)) {
      const [va, vb] = [rowA[column], rowB[column]];
      if (JSON.stringify(va) === JSON.stringify(vb)) continue;
      columns[column] = (columns[column] ?? 0) + 1;
      diffs.push({ column, a: va, b: vb, ...(sameEntries(va, vb) ? { orderOnly: true } : {}) });
    }
    if (examples.length < EXAMPLES) examples.push({ key, diffs });
  }
  for (const rows of byKey.values())
    for (const row of rows) unpaired.push({ side: 'B', row: JSON.stringify(row) });
  return {
    table,
    rowsA: a.length,
    rowsB: b.length,
    identical,
    differing,
    onlyA: unpaired.filter((u) => u.side === 'A').length,
    onlyB: unpaired.filter((u) => u.side === 'B').length,
    columns,
    examples,
    unpaired: unpaired.slice(0, EXAMPLES),
  };
}
