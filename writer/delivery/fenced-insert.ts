/**
 * One (table, day) body → one fenced INSERT (the protocol is stated in ./protocol.ts):
 *
 *   INSERT INTO db.t (cols) SELECT cols FROM input('<cols with types>')
 *   WHERE <fence> FORMAT RowBinary            -- the rows are the request body, possibly compressed
 *
 * Why `input()` and not multipart external data: a real server decompresses a plain request body by
 * its Content-Encoding (HTTPHandler: `in_post` is wrapped by `wrapReadBufferWithCompressionMethod`)
 * but parses a multipart body raw (`params.load(request, request.getStream(), …)`), so only this
 * form can travel compressed; and no `http_max_multipart_form_data_size` (1 GiB, profile-only)
 * caps it. The price: the fence's scalar subqueries run when the server plans the statement, before
 * it reads the body, instead of after it (external data is read whole before the query). A writer
 * frozen while its body is half sent therefore passes the fence before it froze; the server drops
 * such a request once no byte came for `http_receive_timeout` (30 s by default; then nothing lands:
 * one body is one block, below), and a shorter stall lands inside the dedup window the start-up
 * self-test proves, under the batch's own token — so it is deduplicated, never doubled.
 *
 * One body is one block, whatever its size: `input()` cuts the body into chunks of
 * `max_insert_block_size` rows (getInputFormatFromASTInsertQuery) and INSERT … SELECT squashes chunks
 * until `min_insert_block_size_rows`/`_bytes` (PlanSquashing); both are set so the whole body is one
 * chunk and one block, and view outputs one block each (`…_for_materialized_views`). Settings travel
 * in the URL, which the server applies before it reads the body. `max_threads=1` keeps one stream.
 */
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { gzip, zstdCompress, constants as zlib } from 'node:zlib';
import type { ClickHouseClient } from '../../core/clickhouse.js';
import type { TableShape } from '../schema.js';

/** How an insert body travels (`clickhouse.compression`, resolved: `auto` is decided at start). */
export type BodyEncoding = 'none' | 'gzip' | 'zstd';

/** What every fenced insert to this server carries beside its rows (server-caps.ts). */
export interface InsertTransport {
  readonly encoding: BodyEncoding;
  /** Settings this server has and the protocol needs set explicitly (e.g. deduplicate_insert_select). */
  readonly settings: Readonly<Record<string, string>>;
}

export interface InsertFence {
  readonly token: string;
  readonly stream: string;
  readonly start: number;
  readonly end: number;
  /**
   * Whether an earlier insert of this token stops this one (its mark, written in the same INSERT by
   * the server). Off for a retry after this writer's own failed attempt of the same body and for the
   * rebuild of a legacy batch: there the dedup log decides what already landed (see protocol.ts).
   */
  readonly marks: boolean;
  /** Extra condition of the coordination backend (KeeperMap done flag), or undefined. */
  readonly extra?: string | undefined;
}

export function literal(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export const quote = (name: string): string => '`' + name.replace(/`/g, '``') + '`';

/** The fence: no insert of this token landed (when asked) and no done range overlaps the batch. */
export function fenceCondition(database: string, fence: InsertFence): string {
  const db = quote(database);
  const conditions = [
    `(SELECT count() FROM ${db}.tributary_done WHERE Stream = ${literal(fence.stream)} ` +
      `AND Start < ${fence.end} AND End > ${fence.start}) = 0`,
  ];
  if (fence.marks)
    conditions.unshift(
      `(SELECT count() FROM ${db}.tributary_inserts WHERE Token = ${literal(fence.token)}) = 0`,
    );
  if (fence.extra) conditions.push(fence.extra);
  return conditions.join(' AND ');
}

/** The statement of a fenced insert (exported for tests and docs/operations.md). */
export function fencedInsertSql(database: string, shape: TableShape, fence: InsertFence): string {
  const columns = shape.columns.map((c) => quote(c.name)).join(', ');
  const structure = shape.columns.map((c) => `${quote(c.name)} ${c.type}`).join(', ');
  return (
    `INSERT INTO ${quote(database)}.${quote(shape.table)} (${columns}) ` +
    `SELECT ${columns} FROM input(${literal(structure)}) ` +
    `WHERE ${fenceCondition(database, fence)} FORMAT RowBinary`
  );
}

/** Squashing never reaches this many rows: a body is one block, flushed when the body ends. */
const NEVER_ENOUGH_ROWS = Number.MAX_SAFE_INTEGER;

/** The settings every fenced insert carries, explicitly, on every call (no session state). */
export function insertSettings(token: string, rows: number): Record<string, string | number> {
  const chunk = Math.max(1, rows);
  return {
    insert_deduplication_token: token,
    insert_deduplicate: 1,
    deduplicate_blocks_in_dependent_materialized_views: 1,
    async_insert: 0,
    wait_end_of_query: 1,
    max_threads: 1,
    // The body is read as one chunk (input() cuts at max_insert_block_size rows) …
    max_insert_block_size: chunk,
    max_block_size: chunk,
    // … and squashed into one block for the table and one per view (0 bytes: rows alone decide).
    min_insert_block_size_rows: NEVER_ENOUGH_ROWS,
    min_insert_block_size_bytes: 0,
    min_insert_block_size_rows_for_materialized_views: NEVER_ENOUGH_ROWS,
    min_insert_block_size_bytes_for_materialized_views: 0,
  };
}

const gzipAsync = promisify(gzip);
const zstdAsync = promisify(zstdCompress);

/** The body as it goes on the wire, and its Content-Encoding (compression runs on libuv's pool). */
export async function encodeBody(body: Buffer, encoding: BodyEncoding): Promise<Buffer> {
  if (encoding === 'gzip') return gzipAsync(body, { level: 1 });
  if (encoding === 'zstd') return zstdAsync(body, { params: { [zlib.ZSTD_c_compressionLevel]: 1 } });
  return body;
}

/** Inserts `body` (RowBinary rows for `shape`) unless the fence says the range is already in. */
export async function fencedInsert(
  client: ClickHouseClient,
  database: string,
  shape: TableShape,
  body: Buffer,
  rows: number,
  fence: InsertFence,
  transport: InsertTransport,
): Promise<number> {
  const { encoding } = transport;
  const wire = await encodeBody(body, encoding);
  const result = await client.exec({
    query: fencedInsertSql(database, shape, fence),
    values: Readable.from([wire]),
    ...(encoding === 'none' ? {} : { http_headers: { 'Content-Encoding': encoding } }),
    clickhouse_settings: { ...transport.settings, ...insertSettings(fence.token, rows) },
  });
  // The response body must be consumed so the connection returns to the pool.
  for await (const _chunk of result.stream) {
    // drain
  }
  return wire.length;
}

/**
 * Runs the fence's look-ups alone. An insert can be refused because of the state tables (one
 * unreadable, missing, or its server part down) rather than its rows: the caller tells the two
 * apart with this before it blames the rows and sends good records to the DLQ.
 */
export async function probeFence(
  client: ClickHouseClient,
  database: string,
  fence: InsertFence,
): Promise<void> {
  await client.query({
    query: `SELECT ${fenceCondition(database, { ...fence, marks: true })} AS open`,
    format: 'JSONEachRow',
  });
}

/** The token's marks: how many rows its inserts landed in the table the token was given for. */
export async function markedRows(
  client: ClickHouseClient,
  database: string,
  token: string,
): Promise<number[]> {
  const result = await client.query({
    query: `SELECT toString(Rows) AS rows FROM ${quote(database)}.tributary_inserts WHERE Token = {token:String}`,
    query_params: { token },
    format: 'JSONEachRow',
  });
  return (await result.json<{ rows: string }>()).map((r) => Number(r.rows));
}
