/**
 * One metric data point (any of the five kinds) walked once and written as a row of its
 * otel_metrics_* table. Mirrors decodePoint in decode/metrics.ts: the same field/wire-type tests in
 * the same order. Where that decoder would read a field in a way the fast writers do not reproduce
 * (a repeated numeric field with an unexpected wire type), `walkPoint` reports it and the caller
 * hands the metric to the decoder.
 */
import { WIRE_I64, WIRE_LEN, WIRE_VARINT, WireError } from '../../schemas/otlp/wire.js';
import type { ByteWriter } from '../rowbinary.js';
import { Ranges } from './attributes.js';
import { Cursor, f64At, i64AsNumberAt, u32At, varintBigAt } from './cursor.js';
import { Time } from './time.js';

export type Kind = 'gauge' | 'sum' | 'histogram' | 'exponential_histogram' | 'summary';

/** The walked point. Positions are into the record; -1 = absent (the decoder's default 0). */
export class Point {
  readonly start = new Time();
  readonly time = new Time();
  readonly attributes = new Ranges();
  readonly exemplars = new Ranges();
  /** Value: position of a double, or (valueIsInt) the sfixed64's value. */
  valuePos = -1;
  valueInt = 0;
  valueIsInt = false;
  flags = 0;
  countPos = -1;
  sumPos = -1;
  minPos = -1;
  maxPos = -1;
  scale = 0;
  zeroCountPos = -1;
  positiveOffset = 0;
  negativeOffset = 0;
  /** Byte ranges of 8-byte elements (fixed64 counts, double bounds). */
  readonly bucketCounts = new Ranges();
  readonly bounds = new Ranges();
  /** Byte ranges of varints, and how many varints each side has. */
  readonly positive = new Ranges();
  readonly negative = new Ranges();
  positiveCount = 0;
  negativeCount = 0;
  readonly quantiles = new Ranges();

  reset(): void {
    this.start.setZero();
    this.time.setZero();
    this.attributes.clear();
    this.exemplars.clear();
    this.valuePos = -1;
    this.valueInt = 0;
    this.valueIsInt = false;
    this.flags = 0;
    this.countPos = -1;
    this.sumPos = -1;
    this.minPos = -1;
    this.maxPos = -1;
    this.scale = 0;
    this.zeroCountPos = -1;
    this.positiveOffset = 0;
    this.negativeOffset = 0;
    this.bucketCounts.clear();
    this.bounds.clear();
    this.positive.clear();
    this.negative.clear();
    this.positiveCount = 0;
    this.negativeCount = 0;
    this.quantiles.clear();
  }
}

function sint(n: number): number {
  return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
}

/** Repeated fixed64/double, packed or not; false for a wire type the decoder would misread. */
function eightByteElements(c: Cursor, wire: number, into: Ranges): boolean {
  if (wire === WIRE_LEN) {
    const e = c.enter();
    if ((e - c.pos) % 8 !== 0) throw new WireError('truncated fixed32');
    into.push(c.pos, e);
    c.pos = e;
    return true;
  }
  if (wire !== WIRE_I64) return false;
  const p = c.skip8();
  into.push(p, p + 8);
  return true;
}

/** Repeated uint64 varints, packed or not; returns how many, or -1 for an unexpected wire type. */
function varintElements(c: Cursor, wire: number, into: Ranges): number {
  if (wire === WIRE_VARINT) {
    const p = c.pos;
    c.varint();
    into.push(p, c.pos);
    return 1;
  }
  if (wire !== WIRE_LEN) return -1;
  const e = c.enter();
  const outer = c.end;
  const p = c.pos;
  c.end = e;
  let n = 0;
  while (c.pos < e) {
    c.varint();
    n++;
  }
  c.end = outer;
  into.push(p, e);
  return n;
}

function walkBuckets(c: Cursor, point: Point, positive: boolean): boolean {
  const outer = c.end;
  c.end = c.enter();
  while (c.pos < c.end) {
    const key = c.tag();
    if (key === 0x08) {
      const offset = sint(c.varint());
      if (positive) point.positiveOffset = offset;
      else point.negativeOffset = offset;
    } else if (key >>> 3 === 2) {
      const n = varintElements(c, key & 7, positive ? point.positive : point.negative);
      if (n < 0) return false;
      if (positive) point.positiveCount += n;
      else point.negativeCount += n;
    } else c.skip(key & 7);
  }
  c.end = outer;
  return true;
}

/** Walks the point at c.pos..c.end into `point`; false when the decoder must write it. */
export function walkPoint(c: Cursor, kind: Kind, point: Point): boolean {
  point.reset();
  const bytes = c.bytes;
  const attributeField = kind === 'histogram' ? 9 : kind === 'exponential_histogram' ? 1 : 7;
  const exemplarField = kind === 'histogram' ? 8 : kind === 'exponential_histogram' ? 11 : 5;
  const scalar = kind === 'gauge' || kind === 'sum';
  while (c.pos < c.end) {
    const key = c.tag();
    const f = key >>> 3;
    const wire = key & 7;
    if (f === 2 && wire === WIRE_I64) point.start.read(bytes, c.skip8());
    else if (f === 3 && wire === WIRE_I64) point.time.read(bytes, c.skip8());
    else if ((f === attributeField || f === exemplarField) && wire === WIRE_LEN) {
      const e = c.enter();
      (f === attributeField ? point.attributes : point.exemplars).push(c.pos, e);
      c.pos = e;
    } else if (scalar && f === 4 && wire === WIRE_I64) {
      point.valuePos = c.skip8();
      point.valueIsInt = false;
    } else if (scalar && f === 6 && wire === WIRE_I64) {
      point.valueInt = i64AsNumberAt(bytes, c.skip8());
      point.valueIsInt = true;
    } else if ((scalar || kind === 'summary') && f === 8 && wire === WIRE_VARINT) point.flags = c.varint();
    else if ((kind === 'histogram' || kind === 'exponential_histogram') && f === 10 && wire === WIRE_VARINT)
      point.flags = c.varint();
    else if (!scalar && f === 4 && wire === WIRE_I64) point.countPos = c.skip8();
    else if (!scalar && f === 5 && wire === WIRE_I64) point.sumPos = c.skip8();
    else if (kind === 'histogram' && f === 6) {
      if (!eightByteElements(c, wire, point.bucketCounts)) return false;
    } else if (kind === 'histogram' && f === 7) {
      if (!eightByteElements(c, wire, point.bounds)) return false;
    } else if (kind === 'histogram' && (f === 11 || f === 12) && wire === WIRE_I64) {
      if (f === 11) point.minPos = c.skip8();
      else point.maxPos = c.skip8();
    } else if (kind === 'exponential_histogram' && (f === 12 || f === 13) && wire === WIRE_I64) {
      if (f === 12) point.minPos = c.skip8();
      else point.maxPos = c.skip8();
    } else if (kind === 'exponential_histogram' && f === 6 && wire === WIRE_VARINT)
      point.scale = sint(c.varint());
    else if (kind === 'exponential_histogram' && f === 7 && wire === WIRE_I64) point.zeroCountPos = c.skip8();
    else if (kind === 'exponential_histogram' && (f === 8 || f === 9) && wire === WIRE_LEN) {
      if (!walkBuckets(c, point, f === 8)) return false;
    } else if (kind === 'summary' && f === 6 && wire === WIRE_LEN) {
      const e = c.enter();
      point.quantiles.push(c.pos, e);
      // The decoder reads each quantile as it goes; walk it now so a corrupt one throws here too.
      const outer = c.end;
      c.end = e;
      while (c.pos < e) c.skip(c.tag() & 7);
      c.end = outer;
    } else c.skip(wire);
  }
  return true;
}

/**
 * The double at p as Float64 (0 when p < 0): its 8 bytes as sent. (The decoder's number round trip
 * gives the same bytes, except that V8 may or may not quiet a signaling NaN depending on how hot the
 * code is; copying keeps the output a function of the input alone.)
 */
export function writeDoubleAt(out: ByteWriter, bytes: Uint8Array, p: number): void {
  if (p < 0) {
    out.f64(0);
    return;
  }
  const buf = out.room(8);
  const q = out.length;
  for (let i = 0; i < 8; i++) buf[q + i] = bytes[p + i]!;
  out.length = q + 8;
}

/** The fixed64 at p as UInt64 (0 when p < 0). */
export function writeU64At(out: ByteWriter, bytes: Uint8Array, p: number): void {
  const buf = out.room(8);
  const q = out.length;
  for (let i = 0; i < 8; i++) buf[q + i] = p < 0 ? 0 : bytes[p + i]!;
  out.length = q + 8;
}

/** The decoder's JS values, for columns typed other than the canonical type (encoded with their encoder). */
export function doubleAt(bytes: Uint8Array, p: number): number {
  return p < 0 ? 0 : f64At(bytes, p);
}

export function fixed64At(bytes: Uint8Array, p: number): bigint {
  return p < 0 ? 0n : (BigInt(u32At(bytes, p + 4)) << 32n) | BigInt(u32At(bytes, p));
}

const vc = new Cursor(new Uint8Array(0), 0, 0);

/** The varint elements in `ranges` as Array(UInt64). */
export function writeVarintArray(out: ByteWriter, bytes: Uint8Array, ranges: Ranges, count: number): void {
  out.varint(count);
  for (let i = 0; i < ranges.count; i++) {
    vc.reset(bytes, ranges.data[2 * i]!, ranges.data[2 * i + 1]!);
    while (vc.pos < vc.end) {
      const p = vc.pos;
      const n = vc.varint();
      if (vc.pos - p <= 7) {
        const buf = out.room(8);
        buf.writeUInt32LE(n % 4294967296, out.length);
        buf.writeUInt32LE(Math.floor(n / 4294967296), out.length + 4);
        out.length += 8;
      } else {
        vc.pos = p;
        out.u64(varintBigAt(vc));
      }
    }
  }
}

/** The 8-byte elements in `ranges` as Array(UInt64) or Array(Float64). */
export function writeEightByteArray(
  out: ByteWriter,
  bytes: Uint8Array,
  ranges: Ranges,
  doubles: boolean,
): void {
  let n = 0;
  for (let i = 0; i < ranges.count; i++) n += (ranges.data[2 * i + 1]! - ranges.data[2 * i]!) / 8;
  out.varint(n);
  for (let i = 0; i < ranges.count; i++)
    for (let p = ranges.data[2 * i]!; p < ranges.data[2 * i + 1]!; p += 8)
      if (doubles) writeDoubleAt(out, bytes, p);
      else writeU64At(out, bytes, p);
}
