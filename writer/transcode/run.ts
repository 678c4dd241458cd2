/**
 * One record's transcoding run: the caller's sinks per (table, day), row counts, undo of everything
 * written when the record turns out corrupt (so a record adds all its rows or none), and the
 * materialized path: a decoded row, its times clamped, encoded with the shape's column encoders.
 */
import type { Row, RowValue } from '../decode/common.js';
import type { ByteWriter } from '../rowbinary.js';
import type { TableShape } from '../schema.js';
import { Clamp, type TimeClamp, dayOfBigInt } from './time.js';

/** Rows per table per UTC day (days since 1970-01-01) that one record added. */
export type TranscodeCounts = Map<string, Map<number, number>>;

export interface RunContext {
  readonly shapes: ReadonlyMap<string, TableShape>;
  sinkFor(table: string, day: number): ByteWriter;
  readonly clamp?: TimeClamp | undefined;
  /** Encoded bytes the record may add; checked before each row, so a huge record stops early. */
  readonly maxBytes?: number | undefined;
  /** Told, when the record is done, how many of its rows had their partition time clamped. */
  readonly onClamped?: ((rows: number) => void) | undefined;
}

/** The record's rows exceed RunContext.maxBytes: nothing of it stays in the sinks. */
export class RecordTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`its rows exceed ${limit} bytes encoded`);
    this.name = 'RecordTooLarge';
  }
}

interface Slot {
  day: number;
  out: ByteWriter | undefined;
  rows: number;
}

export class Run {
  readonly counts: TranscodeCounts = new Map();
  readonly clamp: Clamp | undefined;
  private readonly slots = new Map<string, Slot>();
  private readonly touched: ByteWriter[] = [];
  private readonly lengths: number[] = [];
  /** Rows whose partition time the clamp moved; whether the last row asked for was one. */
  private clampedRows = 0;
  lastClamped = false;

  constructor(readonly ctx: RunContext) {
    this.clamp = ctx.clamp ? new Clamp(ctx.clamp) : undefined;
  }

  shape(table: string): TableShape {
    const shape = this.ctx.shapes.get(table);
    if (!shape) throw new Error(`no table shape given for ${table}`);
    return shape;
  }

  /** The sink a row of `table` on `day` goes to; the row is counted. */
  sink(table: string, day: number): ByteWriter {
    if (this.ctx.maxBytes !== undefined) this.checkBudget(this.ctx.maxBytes);
    // Each row's partition time went through the clamp just before its sink is asked for.
    this.lastClamped = this.clamp !== undefined && this.clamp.takeChanged();
    if (this.lastClamped) this.clampedRows++;
    let slot = this.slots.get(table);
    if (!slot) {
      slot = { day, out: undefined, rows: 0 };
      this.slots.set(table, slot);
    }
    if (slot.out === undefined || slot.day !== day) {
      this.settle(table, slot);
      slot.day = day;
      slot.out = this.ctx.sinkFor(table, day);
      if (!this.touched.includes(slot.out)) {
        this.touched.push(slot.out);
        this.lengths.push(slot.out.length);
      }
    }
    slot.rows++;
    return slot.out;
  }

  /** A row counted by sink(table, day) but then taken back (it is written another way, and counted again). */
  uncount(table: string, day: number, clamped = this.lastClamped): void {
    if (clamped) this.clampedRows--;
    const slot = this.slots.get(table)!;
    if (slot.day === day && slot.rows > 0) slot.rows--;
    else {
      const days = this.counts.get(table)!;
      days.set(day, days.get(day)! - 1);
      if (days.get(day) === 0) days.delete(day);
    }
  }

  private settle(table: string, slot: Slot): void {
    if (slot.rows === 0) return;
    let days = this.counts.get(table);
    if (!days) {
      days = new Map();
      this.counts.set(table, days);
    }
    days.set(slot.day, (days.get(slot.day) ?? 0) + slot.rows);
    slot.rows = 0;
  }

  /** Bytes this record added so far (every sink it touched, against its length before). */
  written(): number {
    let bytes = 0;
    for (let i = 0; i < this.touched.length; i++) bytes += this.touched[i]!.length - this.lengths[i]!;
    return bytes;
  }

  private checkBudget(limit: number): void {
    if (this.written() > limit) throw new RecordTooLarge(limit);
  }

  finish(): TranscodeCounts {
    if (this.ctx.maxBytes !== undefined) this.checkBudget(this.ctx.maxBytes);
    for (const [table, slot] of this.slots) this.settle(table, slot);
    if (this.clampedRows > 0) this.ctx.onClamped?.(this.clampedRows);
    return this.counts;
  }

  /** Puts every sink back to where this record found it. */
  undo(): void {
    for (let i = 0; i < this.touched.length; i++) this.touched[i]!.length = this.lengths[i]!;
  }

  /** A clamped time of a decoded row. */
  clampValue(value: RowValue | undefined): RowValue | undefined {
    if (!this.clamp || value === undefined) return value;
    if (typeof value === 'bigint') return this.clamp.value(value);
    if (Array.isArray(value)) return value.map((v) => (typeof v === 'bigint' ? this.clamp!.value(v) : v));
    return value;
  }

  /**
   * The materialized path: clamps `timeColumns` of the decoded row, routes it by `dayColumn` and
   * encodes it with the shape's own column encoders (exactly what the batch encoder does).
   */
  writeRow(table: string, row: Row, timeColumns: readonly string[], dayColumn: string): void {
    for (const name of timeColumns) {
      const value = this.clampValue(row[name]);
      if (value !== undefined) row[name] = value;
    }
    const time = row[dayColumn];
    const out = this.sink(table, dayOfBigInt(typeof time === 'bigint' ? time : 0n));
    for (const column of this.shape(table).columns) column.encode(out, row[column.name]);
  }
}
