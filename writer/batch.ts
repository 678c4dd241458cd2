/**
 * One partition's batch: the records in offset order with their decoded rows. Records that cannot be
 * decoded are kept as dead letters of the batch, so the batch's offset range stays contiguous.
 */
import type { KafkaMessage } from '../core/kafka.js';
import type { Signal } from '../schemas/otlp/codec.js';
import { type RowsByTable, decodeRecord } from './decode/index.js';

export interface BatchRecord {
  readonly offset: number;
  readonly message: KafkaMessage;
  /** Rows per table, or the reason the record could not be decoded. */
  readonly rows: RowsByTable | { readonly error: string };
  readonly rowCount: number;
}

export class PartitionBatch {
  readonly records: BatchRecord[] = [];
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

  add(message: KafkaMessage): void {
    if (this.records.length === 0) this.startedAt = Date.now();
    const value = message.value ?? Buffer.alloc(0);
    let rows: BatchRecord['rows'];
    let rowCount = 0;
    try {
      rows = decodeRecord(this.signal, value);
      for (const list of rows.values()) rowCount += list.length;
    } catch (err) {
      rows = { error: err instanceof Error ? err.message : String(err) };
    }
    this.records.push({ offset: Number(message.offset), message, rows, rowCount });
    this.rowCount += rowCount;
    this.byteCount += value.length;
  }

  /** Rows of every decodable record, per table, in offset order. */
  rowsByTable(): RowsByTable {
    const all: RowsByTable = new Map();
    for (const record of this.records) {
      if ('error' in record.rows) continue;
      for (const [table, rows] of record.rows) {
        const list = all.get(table);
        if (list) list.push(...rows);
        else all.set(table, [...rows]);
      }
    }
    return all;
  }

  reset(): void {
    this.records.length = 0;
    this.rowCount = 0;
    this.byteCount = 0;
    this.recordedEnd = undefined;
    this.ledgerChecked = false;
  }
}
