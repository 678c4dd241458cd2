/** One table's rows → one RowBinary INSERT carrying a deterministic insert_deduplication_token. */
import { Readable } from 'node:stream';
import type { ClickHouseClient } from '../core/clickhouse.js';
import { TimeSlice } from '../core/time-slice.js';
import type { Row } from './decode/index.js';
import { ByteWriter } from './rowbinary.js';
import type { TableShape } from './schema.js';

/**
 * A batch's rows as one RowBinary body, encoded in slices that yield to the event loop (batches
 * have tens of thousands of rows).
 */
export async function encodeRows(shape: TableShape, rows: readonly Row[]): Promise<Buffer> {
  const out = new ByteWriter(Math.max(1 << 16, rows.length * 512));
  const columns = shape.columns;
  const slice = new TimeSlice();
  for (let i = 0; i < rows.length; i++) {
    if ((i & 255) === 0) await slice.yieldIfDue();
    const row = rows[i]!;
    for (const column of columns) column.encode(out, row[column.name]);
  }
  return out.bytes();
}

export async function insertRows(
  client: ClickHouseClient,
  database: string,
  shape: TableShape,
  rows: readonly Row[],
  token: string,
): Promise<number> {
  const body = await encodeRows(shape, rows);
  await insertBody(client, database, shape, body, token);
  return body.length;
}

/** One RowBinary body (rows already encoded for `shape`) as one INSERT carrying `token`. */
export async function insertBody(
  client: ClickHouseClient,
  database: string,
  shape: TableShape,
  body: Buffer,
  token: string,
): Promise<void> {
  const columns = shape.columns.map((c) => `\`${c.name}\``).join(', ');
  const result = await client.exec({
    query: `INSERT INTO \`${database}\`.\`${shape.table}\` (${columns}) FORMAT RowBinary`,
    values: Readable.from([body]),
    // Every setting explicitly on every call: nothing depends on session state.
    clickhouse_settings: {
      insert_deduplication_token: token,
      insert_deduplicate: 1,
      async_insert: 0,
      wait_end_of_query: 1,
    },
  });
  // The response body must be consumed so the connection returns to the pool.
  for await (const _chunk of result.stream) {
    // drain
  }
}
