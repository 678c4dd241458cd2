/**
 * The live shape of each table (DESC TABLE), read instead of assumed: which columns to insert and
 * their types (DateTime or DateTime64 time columns, optional columns like EventName). Cached per
 * table and dropped after a schema error, so a transient failure never degrades a table for good.
 */
import type { ClickHouseClient } from '../core/clickhouse.js';
import { ByteWriter, type Encoder, encoderFor } from './rowbinary.js';

export interface InsertColumn {
  readonly name: string;
  readonly type: string;
  readonly encode: Encoder;
}

export interface TableShape {
  readonly table: string;
  /** Columns the writer sends, in table order. */
  readonly columns: readonly InsertColumn[];
}

interface DescRow {
  name: string;
  type: string;
  default_type: string;
}

export class SchemaCache {
  private readonly shapes = new Map<string, Promise<TableShape>>();

  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
  ) {}

  /** Insertable columns: plain ones always; DEFAULT ones only when rows carry them (else the server computes them). */
  get(table: string, provided: ReadonlySet<string>): Promise<TableShape> {
    const key = `${table}\u0000${[...provided].sort().join(',')}`;
    let shape = this.shapes.get(key);
    if (!shape) {
      shape = this.describe(table, provided);
      this.shapes.set(key, shape);
      shape.catch(() => this.shapes.delete(key));
    }
    return shape;
  }

  invalidate(table: string): void {
    for (const key of this.shapes.keys()) if (key.startsWith(`${table}\u0000`)) this.shapes.delete(key);
  }

  private async describe(table: string, provided: ReadonlySet<string>): Promise<TableShape> {
    const result = await this.client.query({
      query: `DESCRIBE TABLE \`${this.database}\`.\`${table}\``,
      format: 'JSONEachRow',
    });
    const rows = await result.json<DescRow>();
    const columns = rows
      .filter((c) => c.default_type === '' || (c.default_type === 'DEFAULT' && provided.has(c.name)))
      .map((c) => ({ name: c.name, type: c.type, encode: encoderFor(c.type) }));
    return { table, columns };
  }
}

/**
 * A decoded row's values in the shape's column order. Production batches do not call this: they
 * transcode (writer/transcode, whose slow path uses these same column encoders); it serves the test
 * oracles and the benches' raw-insert ceiling.
 */
export function encodeRow(out: ByteWriter, shape: TableShape, row: Readonly<Record<string, unknown>>): void {
  for (const column of shape.columns) column.encode(out, row[column.name]);
}

/** Rows as one RowBinary body for `shape` (test oracles and benches). */
export function encodeRows(shape: TableShape, rows: readonly Readonly<Record<string, unknown>>[]): Buffer {
  const out = new ByteWriter(Math.max(1 << 14, rows.length * 512));
  for (const row of rows) encodeRow(out, shape, row);
  return out.bytes();
}
