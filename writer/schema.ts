/**
 * The live shape of each table (DESC TABLE), read instead of assumed: which columns to insert and
 * their types (DateTime or DateTime64 time columns, optional columns like EventName). Cached per
 * table and dropped after a schema error, so a transient failure never degrades a table for good.
 */
import type { ClickHouseClient } from '../core/clickhouse.js';
import {
  attributeKeysEncoder,
  isJsonArrayType,
  isJsonType,
  jsonTextArrayEncoder,
  jsonTextEncoder,
} from './json-columns.js';
import { ByteWriter, type Encoder, encoderFor } from './rowbinary.js';

export interface InsertColumn {
  readonly name: string;
  /**
   * The type the rows are sent as (the insert's structure): the column's own type, except JSON
   * columns, which travel as their JSON text (`String`, `Array(String)`) and are parsed by the
   * server on insert (writer/json-columns.ts).
   */
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
      .map((c) => insertColumn(c.name, c.type, rows));
    return { table, columns };
  }
}

/**
 * How the writer sends one column of the live shape (`all`: every column of the table, for the
 * `*AttributesKeys` columns that belong to a JSON attribute column).
 */
export function insertColumn(
  name: string,
  type: string,
  all: readonly { name: string; type: string }[],
): InsertColumn {
  if (isJsonType(type)) return { name, type: 'String', encode: jsonTextEncoder };
  if (isJsonArrayType(type)) return { name, type: 'Array(String)', encode: jsonTextArrayEncoder };
  const keysOf = /^(.*Attributes)Keys$/.exec(name)?.[1];
  const source = keysOf === undefined ? undefined : all.find((c) => c.name === keysOf);
  if (
    source &&
    isJsonType(source.type) &&
    /^Array\((LowCardinality\()?String\)?\)$/.test(type.replace(/\s+/g, ''))
  )
    return { name, type, encode: attributeKeysEncoder };
  return { name, type, encode: encoderFor(type) };
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
