/**
 * Nanosecond times as two uint32 words, so the common case (a time inside the caller's keep window)
 * needs no BigInt: DateTime64(9) copies the words, DateTime and the UTC day come from exact integer
 * arithmetic on doubles. A time the caller's clamp replaced is kept as the returned bigint and encoded
 * exactly as the RowBinary encoder encodes a bigint.
 */
import type { ByteWriter } from '../rowbinary.js';
import { u32At } from './cursor.js';
import { partitionDayOf, partitionTimeZone } from './partition-day.js';

/** What the caller does to every stored time (see TranscodeContext.clamp). */
export interface TimeClamp {
  /** Returns the time to store for `ns` (nanoseconds since the epoch, as the record has it). */
  clampNs(ns: bigint): bigint;
  /** Times in [keepFromNs, keepToNs] are known to come back unchanged: clampNs is not called for them. */
  readonly keepFromNs?: bigint;
  readonly keepToNs?: bigint;
}

const NS_PER_DAY = 86_400_000_000_000n;
const NS_PER_SECOND = 1_000_000_000n;
const TWO_32 = 4294967296;

export class Time {
  lo = 0;
  hi = 0;
  /** Set when a clamp replaced the time; then it is the stored value. */
  big: bigint | null = null;

  setZero(): void {
    this.lo = 0;
    this.hi = 0;
    this.big = null;
  }
  /** The fixed64 at bytes[p, p + 8). */
  read(bytes: Uint8Array, p: number): void {
    this.lo = u32At(bytes, p);
    this.hi = u32At(bytes, p + 4);
    this.big = null;
  }
  copy(from: Time): void {
    this.lo = from.lo;
    this.hi = from.hi;
    this.big = from.big;
  }
  isZero(): boolean {
    return this.big === null ? this.lo === 0 && this.hi === 0 : this.big === 0n;
  }
  toBigInt(): bigint {
    return this.big ?? (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }
}

/** A clamp compiled for one record: the keep window as words. */
export class Clamp {
  private readonly fromHi: number;
  private readonly fromLo: number;
  private readonly toHi: number;
  private readonly toLo: number;
  private changed = false;
  constructor(private readonly clamp: TimeClamp) {
    const from = clamp.keepFromNs ?? 1n;
    const to = clamp.keepToNs ?? 0n; // an empty window unless both ends are given
    const inRange = (v: bigint): boolean => v >= 0n && v < 1n << 64n;
    const ok = clamp.keepFromNs !== undefined && clamp.keepToNs !== undefined && inRange(from) && inRange(to);
    this.fromHi = ok ? Number(from >> 32n) : 1;
    this.fromLo = ok ? Number(from & 0xffffffffn) : 0;
    this.toHi = ok ? Number(to >> 32n) : 0;
    this.toLo = ok ? Number(to & 0xffffffffn) : 0;
  }
  apply(t: Time): void {
    if (t.big === null) {
      const { hi, lo } = t;
      if (
        (hi > this.fromHi || (hi === this.fromHi && lo >= this.fromLo)) &&
        (hi < this.toHi || (hi === this.toHi && lo <= this.toLo))
      )
        return;
    }
    const before = t.toBigInt();
    t.big = this.clamp.clampNs(before);
    if (t.big !== before) this.changed = true;
  }
  /** Whether a time was moved since the last call (the row being written was clamped). */
  takeChanged(): boolean {
    const changed = this.changed;
    this.changed = false;
    return changed;
  }
  /** For decoded rows (the materialized path). */
  value(ns: bigint): bigint {
    const t = scratch;
    if (ns >= 0n && ns < 1n << 64n) {
      t.hi = Number(ns >> 32n);
      t.lo = Number(ns & 0xffffffffn);
      t.big = null;
    } else t.big = ns;
    this.apply(t);
    return t.big ?? ns;
  }
}

const scratch = new Time();

/** The partition day (partition-day.ts: UTC on a UTC server) of a stored time. */
export function dayOf(t: Time): number {
  if (t.big !== null) return dayOfBigInt(t.big);
  // ns / 86_400e9 = (ns / 2^16) / 1_318_359_375; ns / 2^16 < 2^48 is exact as a double, and so is the floor.
  const utcDay = Math.floor((t.hi * 65536 + (t.lo >>> 16)) / 1_318_359_375);
  return partitionTimeZone() === 'UTC' ? utcDay : partitionDayOf(seconds(t), utcDay);
}

export function dayOfBigInt(ns: bigint): number {
  const q = ns / NS_PER_DAY;
  const utcDay = Number(ns < 0n && q * NS_PER_DAY !== ns ? q - 1n : q);
  if (partitionTimeZone() === 'UTC') return utcDay;
  const s = ns / NS_PER_SECOND;
  return partitionDayOf(Number(ns < 0n && s * NS_PER_SECOND !== ns ? s - 1n : s), utcDay);
}

/** Whole seconds of an unsigned 64-bit time, exactly. */
function seconds(t: Time): number {
  // Until 2^30 × 2^32 ns (year 2116): ns / 2^9 < 2^53 is exact as a double, and so is its floor
  // divided by 1e9 / 2^9 = 1_953_125 (the quotient's gap to the next integer exceeds the rounding).
  if (t.hi < 0x40000000) return Math.floor((t.hi * 8388608 + (t.lo >>> 9)) / 1_953_125);
  // Beyond: long division in 16-bit digits, every step exact.
  let r = 0;
  let q = 0;
  for (const d of [t.hi >>> 16, t.hi & 0xffff, t.lo >>> 16, t.lo & 0xffff]) {
    const cur = r * 65536 + d;
    const qi = Math.floor(cur / 1e9);
    r = cur - qi * 1e9;
    q = q * 65536 + qi;
  }
  return q;
}

/** How a time column is typed: DateTime64(9), DateTime64(p < 9) or DateTime. */
export type TimeEncoding =
  | { readonly kind: 'ns' }
  | { readonly kind: 'seconds' }
  | { readonly kind: 'scaled'; readonly divisor: bigint };

/** The encoding for a normalized column type, or undefined when it is not a time type. */
export function timeEncoding(type: string): TimeEncoding | undefined {
  if (type === 'DateTime' || /^DateTime\(.*\)$/.test(type)) return { kind: 'seconds' };
  const m = /^DateTime64\(\s*(\d)\s*(,.*)?\)$/.exec(type);
  if (!m) return undefined;
  const precision = Number(m[1]);
  return precision === 9 ? { kind: 'ns' } : { kind: 'scaled', divisor: 10n ** BigInt(9 - precision) };
}

export function writeTime(out: ByteWriter, t: Time, enc: TimeEncoding): void {
  if (enc.kind === 'ns') {
    if (t.big !== null) out.i64(t.big);
    else putWords(out, t.lo, t.hi);
  } else if (enc.kind === 'seconds') {
    out.u32(t.big !== null ? Number(t.big / NS_PER_SECOND) : seconds(t));
  } else out.i64(t.toBigInt() / enc.divisor);
}

/** Nanosecond difference end - start when positive, else 0, as UInt64 (the decoder's Duration). */
export function writeDuration(out: ByteWriter, start: Time, end: Time): void {
  let hi = end.hi - start.hi;
  let lo = end.lo - start.lo;
  if (lo < 0) {
    lo += TWO_32;
    hi -= 1;
  }
  if (hi < 0 || (hi === 0 && lo === 0)) {
    hi = 0;
    lo = 0;
  }
  putWords(out, lo, hi);
}

/** Two uint32 words as one little-endian 64-bit value. */
function putWords(out: ByteWriter, lo: number, hi: number): void {
  const buf = out.room(8);
  const p = out.length;
  buf[p] = lo;
  buf[p + 1] = lo >>> 8;
  buf[p + 2] = lo >>> 16;
  buf[p + 3] = lo >>> 24;
  buf[p + 4] = hi;
  buf[p + 5] = hi >>> 8;
  buf[p + 6] = hi >>> 16;
  buf[p + 7] = hi >>> 24;
  out.length = p + 8;
}
