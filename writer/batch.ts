/**
 * One partition's batch: the records of one range [start, end) of fetch positions, transcoded as they
 * arrive (writer/transcode: OTLP protobuf bytes straight to RowBinary, no row objects) into one body
 * per (table, partition day: the server time zone's, UTC on most servers), since each INSERT must
 * touch one table partition. What a batch holds depends
 * only on its records and the rules it was built under (the partition time clamped relative to each
 * record's own Kafka timestamp, the row mapping), so whoever rebuilds the same range builds the same
 * bodies; `digest` fingerprints the records.
 *
 * Records that cannot be written are kept as dead letters (not valid OTLP, or rows over the
 * per-record budget), so the range stays contiguous. The original records are kept for the rare slow
 * paths (a table's shape changed, ClickHouse refused a body and records are isolated one by one):
 * both transcode the records again, with the same encoder.
 */
import { createHash, type Hash } from 'node:crypto';
import type { IncomingRecord } from '../kafka/port.js';
import type { DeadLetterCode } from './dlq.js';
import type { Signal } from '../schemas/otlp/codec.js';
import { type LogProcessing, logRulesVersion } from './clickstack/rules.js';
import { RECORD_HEADERS } from '../schemas/topics.js';
import { routeRecord } from './route.js';
import { bodyPool, bodySizes } from './body-pool.js';
import { ByteWriter } from './rowbinary.js';
import { partitionTimeZone } from './transcode/partition-day.js';
import type { TableShape } from './schema.js';
import {
  PROVIDED_COLUMNS,
  RecordTooLarge,
  TABLES_BY_SIGNAL,
  type TimeClamp,
  transcodeRecord,
} from './transcode/index.js';

/** The rules batch content depends on; pinned in every plan. */
export interface RowRules {
  /** Row times older than the record's Kafka time minus this are clamped to it. */
  readonly maxPastMs: number;
  /** Row times newer than the record's Kafka time plus this are clamped to it. */
  readonly maxFutureMs: number;
  /** Encoded bytes one record may produce; a record above it is dead-lettered before it fills memory. */
  readonly maxRecordBytes: number;
  /** `writer.logProcessing`: the ClickStack collector's log rules, or rows as received. */
  readonly logProcessing: LogProcessing;
  /**
   * The signals whose writers read a topic (writer/route.ts), to route records of shared topics by
   * their `otelcol.signal` header; absent: every record is this batch's signal (DLQ redrive).
   */
  readonly readersOf?: (topic: string) => readonly Signal[];
}

/**
 * The version string of a signal's rule set: a rebuild under other rules is refused, not inserted.
 * Log batches also pin the log processing (mode and LOG_RULES_VERSION): switching
 * writer.logProcessing, or a change of the rules, makes other rows from the same records. Traces
 * and metrics do not depend on it, so their version (and their open plans) stay as they were.
 */
export function ruleVersion(rules: RowRules, signal: Signal): string {
  // The partition time zone (the server's) decides where bodies are cut: pinned when it is not UTC.
  const zone = partitionTimeZone();
  const base =
    `rows/4;past=${rules.maxPastMs};future=${rules.maxFutureMs};record=${rules.maxRecordBytes}` +
    (zone === 'UTC' ? '' : `;tz=${zone}`);
  return signal === 'logs' ? `${base};logs=${logRulesVersion(rules.logProcessing)}` : base;
}

export interface DeadRecord {
  readonly record: IncomingRecord;
  readonly code: DeadLetterCode;
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
  /** Length before the record being added touched this body (to count its bytes). */
  undo: { record: number; length: number };
}

const NS_PER_MS = 1_000_000n;
const NO_COLUMNS: ReadonlySet<string> = new Set();
const keyOf = (table: string, day: number): string => `${table}\u0000${day}`;

/** The window around the record's Kafka time its partition times are clamped into. */
function windowOf(recordTimeMs: number, rules: RowRules): TimeClamp {
  const recordNs = BigInt(Math.trunc(recordTimeMs)) * NS_PER_MS;
  const low = recordNs - BigInt(rules.maxPastMs) * NS_PER_MS;
  const high = recordNs + BigInt(rules.maxFutureMs) * NS_PER_MS;
  return {
    keepFromNs: low,
    keepToNs: high,
    clampNs: (ns) => (ns < low ? low : ns > high ? high : ns),
  };
}

export class PartitionBatch {
  readonly records: IncomingRecord[] = [];
  readonly dead: DeadRecord[] = [];
  private readonly sinks = new Map<string, TableDay>();
  private hash: Hash = createHash('sha1');
  /** The shapes the last record was transcoded with (a changed shape re-encodes the bodies). */
  private shapes = new Map<string, TableShape>();
  /** Per record being added: its number, the bodies it touched, the bodies it created. */
  private seq = 0;
  private readonly touched: TableDay[] = [];
  private readonly created: string[] = [];
  private readonly countClamped = (rows: number): void => {
    this.clamped += rows;
  };
  rowCount = 0;
  /** Records of the range another signal's writer claims (writer/route.ts): not kept, not written. */
  skipped = 0;
  /** Encoded bytes held (bodies). */
  byteCount = 0;
  /** Bytes of the records as fetched, kept beside the bodies (digest, rebuilds, dead letters). */
  recordBytes = 0;
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
    /**
     * Room a table's first body is given before the size of its bodies is known (later ones start
     * at the size the last one reached): the batch's byte budget, so a body is not grown by copying.
     */
    private readonly firstBodyBytes = 1 << 16,
  ) {
    this.end = start;
  }

  /** No record added yet (skipped ones count: a range of only other signals' records is still recorded as done). */
  get empty(): boolean {
    return this.records.length === 0 && this.skipped === 0;
  }

  /** Hash of (offset, value) of every record, in order: equal for any rebuild of the same range. */
  digest(): string {
    return this.hash.copy().digest('hex');
  }

  /** Transcodes the record's rows into the (table, day) bodies, or keeps it as a dead letter. */
  async add(record: IncomingRecord, shapeOf: ShapeLookup): Promise<void> {
    if (this.empty) this.startedAt = Date.now();
    const value = record.value ?? Buffer.alloc(0);
    this.hash.update(`${record.offset}:${value.length}:`).update(value);
    if (this.rules.readersOf) {
      const named = record.headers.get(RECORD_HEADERS.signal);
      const route = routeRecord({
        signal: this.signal,
        topicSignals: this.rules.readersOf(this.topic),
        // The port keeps one value per header name, so a repeated header shows as its last value.
        header: named === undefined ? [] : [named.toString('utf8')],
      });
      if (route.kind === 'skip') {
        this.skipped++;
        return;
      }
      if (route.kind === 'dead') {
        this.records.push(record);
        this.recordBytes += value.length;
        this.dead.push({ record, code: route.code, reason: route.reason });
        return;
      }
    }
    this.records.push(record);
    this.recordBytes += value.length;
    await this.refreshShapes(shapeOf);
    this.seq = this.records.length;
    this.touched.length = 0;
    this.created.length = 0;
    let counts;
    try {
      counts = transcodeRecord(this.signal, value, {
        logProcessing: this.rules.logProcessing,
        shapes: this.shapes,
        sinkFor: this.sinkFor,
        clamp: windowOf(record.timestamp, this.rules),
        maxBytes: this.rules.maxRecordBytes,
        onClamped: this.countClamped,
      });
    } catch (err) {
      // The transcoder put every body back; drop the bodies this record created.
      for (const key of this.created) this.sinks.delete(key);
      this.dead.push(
        err instanceof RecordTooLarge
          ? {
              record,
              code: 'RECORD_TOO_LARGE',
              reason: `its rows exceed writer.maxRecordEncodedBytes (${this.rules.maxRecordBytes} bytes encoded)`,
            }
          : { record, code: 'DECODE_FAILED', reason: err instanceof Error ? err.message : String(err) },
      );
      return;
    }
    for (const [table, days] of counts)
      for (const [day, n] of days) {
        this.sinks.get(keyOf(table, day))!.rows += n;
        this.rowCount += n;
      }
    for (const sink of this.touched) this.byteCount += sink.out.length - sink.undo.length;
    // Bodies the record created but left empty (it had no rows there after all) are not kept.
    for (const key of this.created) if (this.sinks.get(key)!.rows === 0) this.sinks.delete(key);
  }

  /** The transcoder's sink for (table, day) while adding record `seq`. */
  private readonly sinkFor = (table: string, day: number): ByteWriter => {
    const key = keyOf(table, day);
    let sink = this.sinks.get(key);
    if (!sink) {
      sink = {
        table,
        day,
        provided: PROVIDED_COLUMNS[table] ?? NO_COLUMNS,
        shape: this.shapes.get(table)!,
        out: new ByteWriter(bodySizes.startSize(table, this.firstBodyBytes), bodyPool),
        rows: 0,
        undo: { record: 0, length: 0 },
      };
      this.sinks.set(key, sink);
      this.created.push(key);
    }
    if (sink.undo.record !== this.seq) {
      sink.undo.record = this.seq;
      sink.undo.length = sink.out.length;
      this.touched.push(sink);
    }
    return sink.out;
  };

  /** Reads the live shape of every table of the signal; bodies of a table whose shape changed are re-encoded. */
  private async refreshShapes(shapeOf: ShapeLookup): Promise<void> {
    let shapes: Map<string, TableShape> | undefined;
    for (const table of TABLES_BY_SIGNAL[this.signal]) {
      const shape = await shapeOf(table, PROVIDED_COLUMNS[table] ?? NO_COLUMNS);
      if (this.shapes.get(table) !== shape) (shapes ??= new Map(this.shapes)).set(table, shape);
    }
    if (!shapes) return;
    this.shapes = shapes; // a new map: a record's transcoding never sees the shapes change under it
    // The table's shape was read again meanwhile: bodies of the records before this one follow it
    // (this one, already in `records`, is transcoded next, once).
    for (const sink of this.sinks.values()) {
      const shape = shapes.get(sink.table)!;
      if (sink.shape !== shape) this.reencode(sink, shape, this.records.length - 1);
    }
  }

  /**
   * Gives the bodies' buffers back for the next batches. Only after the batch's last insert finished
   * (or none started): the batch must not be used again.
   */
  release(): void {
    for (const sink of this.sinks.values()) {
      bodySizes.noteLength(sink.table, sink.out.length);
      sink.out.release();
    }
    this.sinks.clear();
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

  /**
   * One record's rows for one (table, day) as a RowBinary body for `shape`, transcoded again (per-record
   * isolation), or undefined when the record has no rows there (or is a dead letter).
   */
  recordBody(record: IncomingRecord, part: TableDay, shape: TableShape): Buffer | undefined {
    if (this.dead.some((d) => d.record === record)) return undefined;
    const out = new ByteWriter(1 << 12);
    return this.retranscode(record, part, shape, out) > 0 ? out.bytes() : undefined;
  }

  /** Re-encodes the part for `shape` from the first `count` records. */
  private reencode(part: TableDay, shape: TableShape, count = this.records.length): void {
    const out = new ByteWriter(Math.max(1 << 14, part.out.length));
    const dead = new Set(this.dead.map((d) => d.record));
    for (const record of this.records.slice(0, count))
      if (!dead.has(record)) this.retranscode(record, part, shape, out);
    part.shape = shape;
    part.out = out;
  }

  /** Transcodes a record of this batch again, keeping only its rows of `part` (in `out`); returns their count. */
  private retranscode(record: IncomingRecord, part: TableDay, shape: TableShape, out: ByteWriter): number {
    const shapes = new Map(this.shapes);
    shapes.set(part.table, shape);
    scratch.length = 0;
    try {
      const counts = transcodeRecord(this.signal, record.value ?? Buffer.alloc(0), {
        logProcessing: this.rules.logProcessing,
        shapes,
        sinkFor: (table, day) => (table === part.table && day === part.day ? out : scratch),
        // The same window; not counted again (these rows were counted when the record was added).
        clamp: windowOf(record.timestamp, this.rules),
      });
      return counts.get(part.table)?.get(part.day) ?? 0;
    } catch {
      return 0; // cannot happen for a record that was added; it was dead-lettered then
    } finally {
      if (scratch.length > SCRATCH_KEEP) scratch = new ByteWriter(1 << 16); // do not hold a huge record's rows
    }
  }
}

/** Rows of other (table, day) parts while one part is transcoded again: written, then dropped. */
let scratch = new ByteWriter(1 << 16);
const SCRATCH_KEEP = 4 << 20;
