/**
 * Attribute maps (repeated KeyValue) written as Map(String, String) straight from record bytes, as
 * decode/anyvalue.ts sortAttributes + the Map encoder would: keys sorted (stable), later duplicates
 * win, values as pdata AsString. Keys are compared as bytes, which orders ASCII exactly as JS string
 * comparison does; a map with a non-ASCII key returns false and the caller takes the decoder's path.
 */
import type { ByteWriter } from '../rowbinary.js';
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

let keyStart = new Int32Array(64);
let keyEnd = new Int32Array(64);
let valueStart = new Int32Array(64);
let valueEnd = new Int32Array(64);
let order = new Int32Array(64);
const cursor = new Cursor(new Uint8Array(0), 0, 0);

function grow(size: number): void {
  if (size <= keyStart.length) return;
  let n = keyStart.length;
  while (n < size) n *= 2;
  keyStart = new Int32Array(n);
  keyEnd = new Int32Array(n);
  valueStart = new Int32Array(n);
  valueEnd = new Int32Array(n);
  order = new Int32Array(n);
}

/** <0, 0, >0 as key a sorts before, equal to, after key b. */
function compareKeys(bytes: Uint8Array, a: number, b: number): number {
  const as = keyStart[a]!;
  const bs = keyStart[b]!;
  const al = keyEnd[a]! - as;
  const bl = keyEnd[b]! - bs;
  const n = al < bl ? al : bl;
  for (let i = 0; i < n; i++) {
    const d = bytes[as + i]! - bytes[bs + i]!;
    if (d !== 0) return d;
  }
  return al - bl;
}

/**
 * Writes the KeyValue messages listed in `kvs` (from `first`, `count` of them) as one Map value.
 * Returns false, having written nothing, when a key is not ASCII.
 */
export function writeAttributes(
  out: ByteWriter,
  bytes: Uint8Array,
  kvs: Ranges,
  first = 0,
  count = kvs.count - first,
): boolean {
  grow(count);
  const c = cursor;
  const data = kvs.data;
  for (let i = 0; i < count; i++) {
    c.reset(bytes, data[(first + i) * 2]!, data[(first + i) * 2 + 1]!);
    let ks = 0;
    let ke = 0;
    let vs = -1;
    let ve = -1;
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
    let high = 0;
    for (let j = ks; j < ke; j++) high |= bytes[j]!;
    if (high >= 0x80) return false;
    keyStart[i] = ks;
    keyEnd[i] = ke;
    valueStart[i] = vs;
    valueEnd[i] = ve;
    // Insertion sort as we go: stable, and attribute lists are short.
    let j = i;
    while (j > 0 && compareKeys(bytes, order[j - 1]!, i) > 0) {
      order[j] = order[j - 1]!;
      j--;
    }
    order[j] = i;
  }
  // Later duplicates win: an entry is dropped when the next one (in sorted order) has the same key.
  let unique = count;
  for (let i = 0; i + 1 < count; i++) if (compareKeys(bytes, order[i]!, order[i + 1]!) === 0) unique--;
  out.varint(unique);
  for (let i = 0; i < count; i++) {
    const k = order[i]!;
    if (i + 1 < count && compareKeys(bytes, k, order[i + 1]!) === 0) continue;
    const ks = keyStart[k]!;
    const ke = keyEnd[k]!;
    out.varint(ke - ks);
    const buf = out.room(ke - ks);
    let p = out.length;
    for (let j = ks; j < ke; j++) buf[p++] = bytes[j]!;
    out.length = p;
    writeAnyValue(out, bytes, valueStart[k]!, valueEnd[k]!);
  }
  return true;
}
