/**
 * One partition's batch: the records of one range [start, end) of fetch positions, decoded as they
 * arrive and encoded straight into one RowBinary body per (table, UTC day), since each INSERT must
 * touch one table partition. What a batch holds depends only on its records and the rules it was
 * built under (time clamping relative to each record's own Kafka timestamp, the row mapping), so
 * whoever rebuilds the same range builds the same bodies; `digest` fingerprints the records.
 *
 * Records that cannot be written are kept as dead letters (undecodable, or rows over the per-record
 * budget), so the range stays contiguous. The original records are kept for the rare slow paths
 * (a table's shape changed, ClickHouse refused a body and records are isolated one by one).
 */
import { createHash, type Hash } from 'node:crypto';
import type { IncomingRecord } from '../kafka/port.js';
import type { Signal } from '../schemas/otlp/codec.js';
import { type Row, type RowsByTable, decodeRecord } from './decode/index.js';
import { ByteWriter } from './rowbinary.js';
import { type TableShape, encodeRow } from './schema.js';

/** The rules batch content depends on; pinned in every plan. */
export interface RowRules {
  /** Row times older than the record's Kafka time minus this are clamped to it. */
  readonly maxPastMs: number;
  /** Row times newer than the record's Kafka time plus this are clamped to it. */
  readonly maxFutureMs: number;
  /** Encoded bytes one record may produce; a record above it is dead-lettered before it fills memory. */
  readonly maxRecordBytes: number;
}

/** The version string of a rule set: a rebuild under other rules is refused, not inserted. */
export function ruleVersion(rules: RowRules): string {
  return `rows/2;past=${rules.maxPastMs};future=${rules.maxFutureMs};record=${rules.maxRecordBytes}`;
}

export interface DeadRecord {
  readonly record: IncomingRecord;
  readonly code: string;
  readonly reason: string;
}

/** The live shape of a table for the columns the rows provide (SchemaCache.get, with retries). */
export type ShapeLookup = (table: string, provided: ReadonlySet<string>) => Promise<TableShape>;

export interface TableDay {
  readonly table: string;
  /** Days since the epoch (UTC) of the rows' partition time. */
  readonly day: number;
  readonly provided: ReadonlySet<string>;
  shape: TableShape;
  out: ByteWriter;
  rows: number;
  /** Length and rows before the record being added touched this body (to undo that record). */
  undo: { record: number; length: number; rows: number };
}

/** The column whose date is the table's partition key. */
const PARTITION_TIME: Readonly<Record<string, string>> = {
  otel_logs: 'Timestamp',
  otel_traces: 'Timestamp',
  hyperdx_sessions: 'Timestamp',
};
const partitionTimeOf = (table: string): string => PARTITION_TIME[table] ?? 'TimeUnix';

const NS_PER_MS = 1_000_000n;
const NS_PER_DAY = 86_400_000_000_000n;

export function providedColumns(rows: readonly Row[]): Set<string> {
  return new Set(rows.length > 0 ? Object.keys(rows[0]!) : []);
}

export class PartitionBatch {
  readonly records: IncomingRecord[] = [];
  readonly dead: DeadRecord[] = [];
  private readonly sinks = new Map<string, TableDay>();
  private hash: Hash = createHash('sha1');
  rowCount = 0;
  /** Encoded bytes held (bodies), the batch's memory. */
  byteCount = 0;
  /** Row times moved into the allowed window, for the metric. */
  clamped = 0;
  startedAt = 0;
  /** Fetch position after the last record added (or after markers the fetch skipped). */
  end: number;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly signal: Signal,
    readonly start: number,
    private readonly rules: RowRules,
  ) {
    this.end = start;
  }

  get empty(): boolean {
    return this.records.length === 0;
  }

  /** Hash of (offset, value) of every record, in order: equal for any rebuild of the same range. */
  digest(): string {
    return this.hash.copy().digest('hex');
  }

  /** Decodes the record and encodes its rows into the (table, day) bodies. */
  async add(record: IncomingRecord, shapeOf: ShapeLookup): Promise<void> {
    if (this.records.length === 0) this.startedAt = Date.now();
    const value = record.value ?? Buffer.alloc(0);
    this.records.push(record);
    this.hash.update(`${record.offset}:${value.length}:`).update(value);
    let decoded: RowsByTable;
    try {
      decoded = decodeRecord(this.signal, value);
    } catch (err) {
      this.dead.push({
        record,
        code: 'DECODE_FAILED',
        reason: err instanceof Error ? err.message : String(err),
      });
      return;
    }
    const seq = this.records.length;
    const created: string[] = [];
    let bytes = 0;
    let rows = 0;
    let last: TableDay | undefined;
    for (const [table, tableRows] of decoded) {
      if (tableRows.length === 0) continue;
      const provided = providedColumns(tableRows);
      const shape = await shapeOf(table, provided);
      const timeColumn = partitionTimeOf(table);
      for (const row of tableRows) {
        const day = this.clampRow(row, timeColumn, record.timestamp);
        // Rows of one record mostly share a table and day: skip the map look-up for them.
        let sink = last?.table === table && last.day === day ? last : this.sinks.get(`${table}\u0000${day}`);
        if (!sink) {
          const key = `${table}\u0000${day}`;
          sink = {
            table,
            day,
            provided,
            shape,
            out: new ByteWriter(1 << 14),
            rows: 0,
            undo: { record: seq, length: 0, rows: 0 },
          };
          this.sinks.set(key, sink);
          created.push(key);
        } else if (sink.shape !== shape) {
          this.reencode(sink, shape); // the table's shape was read again meanwhile
        }
        if (sink.undo.record !== seq) {
          sink.undo.record = seq;
          sink.undo.length = sink.out.length;
          sink.undo.rows = sink.rows;
        }
        last = sink;
        const before = sink.out.length;
        encodeRow(sink.out, sink.shape, row);
        sink.rows++;
        bytes += sink.out.length - before;
        rows++;
        if (bytes > this.rules.maxRecordBytes) {
          // Undo this record's rows: it goes to the DLQ whole, before it can exhaust memory.
          for (const s of this.sinks.values())
            if (s.undo.record === seq) {
              s.out.length = s.undo.length;
              s.rows = s.undo.rows;
            }
          for (const k of created) this.sinks.delete(k);
          this.dead.push({
            record,
            code: 'RECORD_TOO_LARGE',
            reason: `its rows exceed writer.maxRecordEncodedBytes (${this.rules.maxRecordBytes} bytes encoded)`,
          });
          return;
        }
      }
    }
    this.rowCount += rows;
    this.byteCount += bytes;
  }

  /** Clamps the row's partition time into the window around the record's Kafka time; returns its day. */
  private clampRow(row: Row, column: string, recordTimeMs: number): number {
    const raw = row[column];
    if (typeof raw !== 'bigint') return Math.floor(recordTimeMs / 86_400_000);
    const recordNs = BigInt(Math.trunc(recordTimeMs)) * NS_PER_MS;
    const low = recordNs - BigInt(this.rules.maxPastMs) * NS_PER_MS;
    const high = recordNs + BigInt(this.rules.maxFutureMs) * NS_PER_MS;
    let time = raw;
    if (time < low || time > high) {
      time = time < low ? low : high;
      row[column] = time;
      this.clamped++;
    }
    return Number(time / NS_PER_DAY);
  }

  /** The (table, day) bodies in a fixed order (table, then day): every rebuild inserts in this order. */
  parts(): TableDay[] {
    return [...this.sinks.values()].sort((a, b) =>
      a.table === b.table ? a.day - b.day : a.table < b.table ? -1 : 1,
    );
  }

  /** The part's RowBinary body for `shape`; re-encoded from the records if the shape changed. */
  body(part: TableDay, shape: TableShape): Buffer {
    if (part.shape !== shape) this.reencode(part, shape);
    return part.out.bytes();
  }

  /** One record's rows for one (table, day), decoded and clamped again (per-record isolation). */
  recordRows(record: IncomingRecord, part: TableDay): Row[] {
    if (this.dead.some((d) => d.record === record)) return [];
    let decoded: RowsByTable;
    try {
      decoded = decodeRecord(this.signal, record.value ?? Buffer.alloc(0));
    } catch {
      return [];
    }
    const column = partitionTimeOf(part.table);
    return (decoded.get(part.table) ?? []).filter(
      (row) => this.clampRow(row, column, record.timestamp) === part.day,
    );
  }

  private reencode(part: TableDay, shape: TableShape): void {
    const out = new ByteWriter(Math.max(1 << 14, part.out.length));
    for (const record of this.records)
      for (const row of this.recordRows(record, part)) encodeRow(out, shape, row);
    part.shape = shape;
    part.out = out;
  }
}
