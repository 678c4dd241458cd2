/**
 * Attribute maps (repeated KeyValue) written as Map(String, String) straight from record bytes, as
 * decode/anyvalue.ts sortAttributes + the Map encoder would: keys sorted (stable), duplicates kept in
 * arrival order (or collapsed, the later winning, with `dedupe`), values as pdata AsString. Keys are compared as bytes, which orders ASCII exactly as JS string
 * comparison does; a map with a non-ASCII key returns false and the caller takes the decoder's path.
 */
import { ByteWriter } from '../rowbinary.js';
import { Cursor } from './cursor.js';
import { writeAnyValue } from './text.js';

/** A growable list of [start, end) ranges (fields seen while walking a message). */
export class Ranges {
  data = new Int32Array(64);
  count = 0;
  push(start: number, end: number): void {
    if (this.count * 2 + 2 > this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.count * 2] = start;
    this.data[this.count * 2 + 1] = end;
    this.count++;
  }
  clear(): void {
    this.count = 0;
  }
}

/** Scratch per KeyValue: key and value ranges, the key's first 6 bytes as a number, sort order. */
class Scratch {
  keyStart = new Int32Array(64);
  keyEnd = new Int32Array(64);
  valueStart = new Int32Array(64);
  valueEnd = new Int32Array(64);
  /** The key's first 6 bytes, zero-padded, as one number: orders most pairs without a byte loop. */
  prefix = new Float64Array(64);
  order = new Int32Array(64);
  dropped = new Uint8Array(64);
  /** How many entries `order` holds a sorted permutation of (-1: none). */
  orderedCount = -1;

  grow(size: number): void {
    if (size <= this.keyStart.length) return;
    this.orderedCount = -1;
    let n = this.keyStart.length;
    while (n < size) n *= 2;
    this.keyStart = new Int32Array(n);
    this.keyEnd = new Int32Array(n);
    this.valueStart = new Int32Array(n);
    this.valueEnd = new Int32Array(n);
    this.prefix = new Float64Array(n);
    this.order = new Int32Array(n);
    this.dropped = new Uint8Array(n);
  }
}

const scratch = new Scratch();
const cursor = new Cursor(new Uint8Array(0), 0, 0);
const discard = new ByteWriter(256);

/** Keys a and b compared from byte 6 on (their first 6 bytes are equal). */
function compareTail(bytes: Uint8Array, as: number, ae: number, bs: number, be: number): number {
  const al = ae - as;
  const bl = be - bs;
  const n = al < bl ? al : bl;
  for (let i = 6; i < n; i++) {
    const d = bytes[as + i]! - bytes[bs + i]!;
    if (d !== 0) return d;
  }
  return al - bl;
}

/** Reads KeyValue i at [s, e) into the scratch arrays. */
function readKeyValue(bytes: Uint8Array, i: number, s: number, e: number): void {
  let ks = 0;
  let ke = 0;
  let vs = -1;
  let ve = -1;
  // The usual layout, key then value with one-byte lengths, without the general walk.
  const kl = bytes[s + 1]!;
  if (bytes[s] === 0x0a && kl < 0x80 && s + 2 + kl < e && bytes[s + 2 + kl] === 0x12) {
    const vl = bytes[s + 3 + kl]!;
    if (vl < 0x80 && s + 4 + kl + vl === e) {
      ks = s + 2;
      ke = ks + kl;
      vs = ke + 2;
      ve = e;
    }
  }
  if (vs < 0) {
    const c = cursor.reset(bytes, s, e);
    while (c.pos < c.end) {
      const key = c.tag();
      if (key === 0x0a) {
        ke = c.enter();
        ks = c.pos;
        c.pos = ke;
      } else if (key === 0x12) {
        ve = c.enter();
        vs = c.pos;
        c.pos = ve;
      } else c.skip(key & 7);
    }
  }
  // The first 6 key bytes, zero-padded, as one number. ASCII is checked when the key is copied.
  let p: number;
  if (ke - ks >= 6)
    p =
      bytes[ks]! * 0x10000000000 +
      bytes[ks + 1]! * 0x100000000 +
      bytes[ks + 2]! * 0x1000000 +
      bytes[ks + 3]! * 0x10000 +
      bytes[ks + 4]! * 0x100 +
      bytes[ks + 5]!;
  else {
    p = 0;
    for (let j = 0; j < 6; j++) p = p * 256 + (ks + j < ke ? bytes[ks + j]! : 0);
  }
  const t = scratch;
  t.keyStart[i] = ks;
  t.keyEnd[i] = ke;
  t.valueStart[i] = vs;
  t.valueEnd[i] = ve;
  t.prefix[i] = p;
}

/**
 * Writes the KeyValue messages listed in `kvs` (from `first`, `count` of them) as one Map value.
 * Returns false, having taken back what it wrote, when a key is not ASCII. `dedupe`: duplicate keys
 * collapsed, the later winning (ClickStack's flatten of LogAttributes); otherwise all are written.
 */
export function writeAttributes(
  out: ByteWriter,
  bytes: Uint8Array,
  kvs: Ranges,
  first = 0,
  count = kvs.count - first,
  dedupe = false,
): boolean {
  scratch.grow(count);
  const { keyStart, keyEnd, valueStart, valueEnd, prefix, order, dropped } = scratch;
  const data = kvs.data;
  for (let i = 0; i < count; i++) readKeyValue(bytes, i, data[(first + i) * 2]!, data[(first + i) * 2 + 1]!);
  // Maps from one instrumentation tend to repeat their key layout: try the previous map's order first.
  // It is kept when every neighbour pair is in order (ties in arrival order), which also finds the
  // duplicates; otherwise sort (insertion sort: stable, and attribute lists are short).
  let unique = count;
  let sorted = count === scratch.orderedCount;
  for (let i = 0; sorted && i + 1 < count; i++) {
    const a = order[i]!;
    const b = order[i + 1]!;
    const d =
      prefix[a] !== prefix[b]
        ? prefix[a]! - prefix[b]!
        : compareTail(bytes, keyStart[a]!, keyEnd[a]!, keyStart[b]!, keyEnd[b]!);
    if (d > 0 || (d === 0 && a > b)) sorted = false;
    else if (d === 0 && dedupe) {
      dropped[i] = 1;
      unique--;
    } else dropped[i] = 0;
  }
  if (!sorted) {
    for (let i = 0; i < count; i++) {
      const pi = prefix[i]!;
      let j = i;
      while (j > 0) {
        const o = order[j - 1]!;
        const po = prefix[o]!;
        if (
          po < pi ||
          (po === pi && compareTail(bytes, keyStart[o]!, keyEnd[o]!, keyStart[i]!, keyEnd[i]!) <= 0)
        )
          break;
        order[j] = o;
        j--;
      }
      order[j] = i;
    }
    scratch.orderedCount = count;
    // Deduped, later duplicates win: an entry is dropped when the next one (in sorted order) has the same key.
    unique = count;
    for (let i = 0; i + 1 < count; i++) {
      const a = order[i]!;
      const b = order[i + 1]!;
      const same =
        dedupe &&
        prefix[a] === prefix[b] &&
        compareTail(bytes, keyStart[a]!, keyEnd[a]!, keyStart[b]!, keyEnd[b]!) === 0;
      dropped[i] = same ? 1 : 0;
      if (same) unique--;
    }
  }
  dropped[count - 1] = 0;
  const start = out.length;
  out.varint(unique);
  let high = 0;
  for (let i = 0; i < count; i++) {
    const k = order[i]!;
    if (dropped[i] === 1) {
      // Not written, but the decoder parses every value (and throws on a corrupt one): so do we.
      discard.length = 0;
      writeAnyValue(discard, bytes, valueStart[k]!, valueEnd[k]!);
      continue;
    }
    const ks = keyStart[k]!;
    const ke = keyEnd[k]!;
    const buf = out.room(ke - ks + 8);
    let p = out.length;
    if (ke - ks < 0x80) buf[p++] = ke - ks;
    else {
      out.varint(ke - ks); // room was reserved: no reallocation
      p = out.length;
    }
    for (let j = ks; j < ke; j++) {
      const b = bytes[j]!;
      high |= b;
      buf[p++] = b;
    }
    out.length = p;
    writeAnyValue(out, bytes, valueStart[k]!, valueEnd[k]!);
  }
  if (high >= 0x80) {
    out.length = start;
    return false;
  }
  return true;
}
