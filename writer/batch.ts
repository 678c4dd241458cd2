/**
 * One partition's batch. Each record is decoded when it arrives and its rows are encoded straight
 * into one RowBinary buffer per table, so a batch holds bytes rather than row objects (little for the
 * garbage collector to trace, nothing left to encode at flush time). The records' original bytes are
 * kept: the rare slow paths (a table's shape changed, ClickHouse refused a row) decode them again.
 * Records that cannot be decoded stay in the batch as dead letters, so its offset range is contiguous.
 */
import type { KafkaMessage } from '../core/kafka.js';
import type { Signal } from '../schemas/otlp/codec.js';
import { type Row, type RowsByTable, decodeRecord } from './decode/index.js';
import { ByteWriter } from './rowbinary.js';
import type { TableShape } from './schema.js';

export interface BatchRecord {
  readonly offset: number;
  readonly message: KafkaMessage;
  /** Rows this record gave each table, or why it could not be decoded. */
  readonly tables: ReadonlyMap<string, number> | { readonly error: string };
  readonly rowCount: number;
}

/** The live shape of a table for the columns the rows provide (SchemaCache.get, with retries). */
export type ShapeLookup = (table: string, provided: ReadonlySet<string>) => Promise<TableShape>;

interface EncodedTable {
  readonly provided: ReadonlySet<string>;
  shape: TableShape;
  out: ByteWriter;
  rows: number;
}

export function providedColumns(rows: readonly Row[]): Set<string> {
  return new Set(rows.length > 0 ? Object.keys(rows[0]!) : []);
}

function encodeInto(out: ByteWriter, shape: TableShape, rows: readonly Row[]): void {
  const columns = shape.columns;
  for (const row of rows) for (const column of columns) column.encode(out, row[column.name]);
}

export class PartitionBatch {
  readonly records: BatchRecord[] = [];
  private readonly encoded = new Map<string, EncodedTable>();
  rowCount = 0;
  byteCount = 0;
  startedAt = 0;
  /** When set, the batch must end exactly at this offset (a range the ledger already recorded). */
  recordedEnd: number | undefined;
  /** Whether the ledger was asked about this batch's first offset yet. */
  ledgerChecked = false;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly signal: Signal,
  ) {}

  get empty(): boolean {
    return this.records.length === 0;
  }

  get minOffset(): number {
    return this.records[0]!.offset;
  }

  get maxOffset(): number {
    return this.records[this.records.length - 1]!.offset;
  }

  /** Decodes the record and encodes its rows into the batch's table buffers. */
  async add(message: KafkaMessage, shapeOf: ShapeLookup): Promise<void> {
    if (this.records.length === 0) this.startedAt = Date.now();
    const value = message.value ?? Buffer.alloc(0);
    let decoded: RowsByTable;
    try {
      decoded = decodeRecord(this.signal, value);
    } catch (err) {
      this.records.push({
        offset: Number(message.offset),
        message,
        tables: { error: err instanceof Error ? err.message : String(err) },
        rowCount: 0,
      });
      this.byteCount += value.length;
      return;
    }
    const tables = new Map<string, number>();
    let rowCount = 0;
    for (const [table, rows] of decoded) {
      if (rows.length === 0) continue;
      const provided = providedColumns(rows);
      const shape = await shapeOf(table, provided);
      let entry = this.encoded.get(table);
      if (!entry) {
        entry = { provided, shape, out: new ByteWriter(Math.max(1 << 16, rows.length * 512)), rows: 0 };
        this.encoded.set(table, entry);
      } else if (entry.shape !== shape) {
        this.reencode(table, shape); // the table's shape was read again meanwhile
      }
      encodeInto(entry.out, entry.shape, rows);
      entry.rows += rows.length;
      tables.set(table, rows.length);
      rowCount += rows.length;
    }
    this.records.push({ offset: Number(message.offset), message, tables, rowCount });
    this.rowCount += rowCount;
    this.byteCount += value.length;
  }

  /** Tables with rows, in the order they first appeared. */
  tables(): string[] {
    return [...this.encoded.keys()];
  }

  rowsOf(table: string): number {
    return this.encoded.get(table)?.rows ?? 0;
  }

  /** Columns the rows of `table` provide (for the shape lookup at insert time). */
  providedOf(table: string): ReadonlySet<string> {
    return this.encoded.get(table)?.provided ?? new Set();
  }

  /** The table's RowBinary body for `shape`; re-encoded from the records if the shape changed. */
  body(table: string, shape: TableShape): Buffer {
    const entry = this.encoded.get(table);
    if (!entry) return Buffer.alloc(0);
    if (entry.shape !== shape) this.reencode(table, shape);
    return entry.out.bytes();
  }

  /** One record's rows for one table, decoded again (per-record isolation after a refused insert). */
  recordRows(record: BatchRecord, table: string): Row[] {
    if ('error' in record.tables || !record.tables.has(table)) return [];
    return decodeRecord(this.signal, record.message.value ?? Buffer.alloc(0)).get(table) ?? [];
  }

  private reencode(table: string, shape: TableShape): void {
    const entry = this.encoded.get(table)!;
    const out = new ByteWriter(Math.max(1 << 16, entry.out.length));
    for (const record of this.records) {
      const rows = this.recordRows(record, table);
      if (rows.length > 0) encodeInto(out, shape, rows);
    }
    entry.shape = shape;
    entry.out = out;
  }

  reset(): void {
    this.records.length = 0;
    this.encoded.clear();
    this.rowCount = 0;
    this.byteCount = 0;
    this.recordedEnd = undefined;
    this.ledgerChecked = false;
  }
}
