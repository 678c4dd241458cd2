/**
 * One (table, day) body → one fenced INSERT. The rows travel as ClickHouse "external data" (a
 * multipart part named _tributary_rows) and the statement is
 *
 *   INSERT INTO t (cols) SELECT cols FROM _tributary_rows
 *   WHERE (no insert with this token has landed) AND (no done range covers this batch)
 *
 * so the fence is evaluated by the server when it executes the insert, after the whole body has
 * arrived (the server reads external data before it runs the query): a writer frozen anywhere
 * before that inserts nothing once someone else finished the range, however long it slept. The
 * token's mark is written by the server in the same INSERT (views in 012_tributary_insert_marks.sql);
 * the dedup token then only has to cover two executions of the same batch racing each other.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ClickHouseClient } from '../core/clickhouse.js';
import type { TableShape } from './schema.js';

export const EXTERNAL_TABLE = '_tributary_rows';

export interface InsertFence {
  readonly token: string;
  readonly stream: string;
  readonly start: number;
  readonly end: number;
}

function literal(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

const quote = (name: string): string => '`' + name.replace(/`/g, '``') + '`';

/** The statement of a fenced insert (exported for tests and for docs/operations.md). */
export function fencedInsertSql(database: string, shape: TableShape, fence: InsertFence): string {
  const columns = shape.columns.map((c) => quote(c.name)).join(', ');
  const db = quote(database);
  return (
    `INSERT INTO ${db}.${quote(shape.table)} (${columns}) SELECT ${columns} FROM ${EXTERNAL_TABLE} ` +
    `WHERE (SELECT count() FROM ${db}.tributary_inserts WHERE Token = ${literal(fence.token)}) = 0 ` +
    `AND (SELECT count() FROM ${db}.tributary_done WHERE Stream = ${literal(fence.stream)} ` +
    `AND Start <= ${fence.start} AND End >= ${fence.end}) = 0`
  );
}

/**
 * Runs the fence's two look-ups alone. An insert can be refused because of the state tables (one
 * unreadable, missing, or its server part down) rather than its rows: the caller tells the two
 * apart with this before it blames the rows and sends good records to the DLQ.
 */
export async function probeFence(
  client: ClickHouseClient,
  database: string,
  fence: InsertFence,
): Promise<void> {
  const db = quote(database);
  await client.query({
    query:
      `SELECT (SELECT count() FROM ${db}.tributary_inserts WHERE Token = ${literal(fence.token)}) AS marks, ` +
      `(SELECT count() FROM ${db}.tributary_done WHERE Stream = ${literal(fence.stream)} ` +
      `AND Start <= ${fence.start} AND End >= ${fence.end}) AS done`,
    format: 'JSONEachRow',
  });
}

/** The settings every fenced insert carries, explicitly, on every call (no session state). */
export function insertSettings(token: string): Record<string, string | number> {
  return {
    insert_deduplication_token: token,
    insert_deduplicate: 1,
    deduplicate_blocks_in_dependent_materialized_views: 1,
    async_insert: 0,
    wait_end_of_query: 1,
    // One body is one block: a part is never committed for half of it.
    max_insert_block_size: 1_000_000_000,
    min_insert_block_size_rows: 0,
    min_insert_block_size_bytes: 0,
  };
}

/** Inserts `body` (RowBinary rows for `shape`) unless the fence says the range is already in. */
export async function fencedInsert(
  client: ClickHouseClient,
  database: string,
  shape: TableShape,
  body: Buffer,
  fence: InsertFence,
): Promise<void> {
  const boundary = `tributary-${randomUUID()}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="${EXTERNAL_TABLE}"; filename="${EXTERNAL_TABLE}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const structure = shape.columns.map((c) => `${quote(c.name)} ${c.type}`).join(', ');
  const result = await client.exec({
    query: fencedInsertSql(database, shape, fence),
    values: Readable.from([head, body, tail]),
    http_headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
    // The external table's format and structure travel as URL parameters, as ClickHouse expects.
    clickhouse_settings: {
      ...insertSettings(fence.token),
      [`${EXTERNAL_TABLE}_format`]: 'RowBinary',
      [`${EXTERNAL_TABLE}_structure`]: structure,
    },
  });
  // The response body must be consumed so the connection returns to the pool.
  for await (const _chunk of result.stream) {
    // drain
  }
}
