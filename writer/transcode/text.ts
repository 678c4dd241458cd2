/**
 * RowBinary strings written straight from record bytes. A protobuf string is UTF-8 and a RowBinary
 * String is a varint length plus UTF-8, so valid text is copied as it is. What the decoder would turn
 * into different text goes through the decoder's own functions instead, so the bytes stay identical:
 * invalid UTF-8 (TextDecoder writes U+FFFD). A leading byte-order mark is kept, as Go keeps it.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { anyValueAsString, formatDouble, utf8 } from '../decode/anyvalue.js';
import type { ByteWriter } from '../rowbinary.js';
import { Cursor, f64At, varintBigAt } from './cursor.js';

/** Writes a varint at out.length (room for it must be reserved). */
function putVarint(buf: Uint8Array, p: number, n: number): number {
  while (n >= 0x80) {
    buf[p++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[p++] = n;
  return p;
}

/** Copies bytes[s, e) as they are (no length prefix). */
export function copyRaw(out: ByteWriter, bytes: Uint8Array, s: number, e: number): void {
  const n = e - s;
  const buf = out.room(n);
  const p = out.length;
  if (n <= 32) for (let i = 0; i < n; i++) buf[p + i] = bytes[s + i]!;
  else buf.set(bytes.subarray(s, e), p);
  out.length = p + n;
}

/** The protobuf string at bytes[s, e) as a RowBinary String, byte-identical to out.string(utf8(...)). */
export function copyString(out: ByteWriter, bytes: Uint8Array, s: number, e: number): void {
  const n = e - s;
  const start = out.length;
  const buf = out.room(n + 8);
  let p = start;
  if (n < 0x80) buf[p++] = n;
  else p = putVarint(buf, start, n);
  if (n <= 128) {
    // A byte loop beats subarray + set + isAscii (a subarray of a Buffer costs a Buffer) below ~100 bytes.
    let high = 0;
    for (let i = 0; i < n; i++) {
      const c = bytes[s + i]!;
      high |= c;
      buf[p + i] = c;
    }
    out.length = p + n;
    if (high < 0x80) return;
  } else {
    const view = bytes.subarray(s, e);
    buf.set(view, p);
    out.length = p + n;
    if (isAscii(view)) return;
  }
  if (!isUtf8(bytes.subarray(s, e))) {
    out.length = start;
    out.string(utf8(bytes, s, e));
  }
}

/** Per byte value, its two lowercase hex digits as one number (high digit << 8 | low digit). */
const HEX_PAIRS = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  const h = i.toString(16).padStart(2, '0');
  HEX_PAIRS[i] = (h.charCodeAt(0) << 8) | h.charCodeAt(1);
}

/** Lowercase hex of bytes[s, e) as a String; "" for an all-zero id when `zeroIsEmpty` (idHex). */
export function writeHex(
  out: ByteWriter,
  bytes: Uint8Array,
  s: number,
  e: number,
  zeroIsEmpty: boolean,
): void {
  if (zeroIsEmpty) {
    let any = 0;
    for (let i = s; i < e; i++) any |= bytes[i]!;
    if (any === 0) {
      out.u8(0);
      return;
    }
  }
  const n = (e - s) * 2;
  const buf = out.room(n + 8);
  let p = putVarint(buf, out.length, n);
  for (let i = s; i < e; i++) {
    const pair = HEX_PAIRS[bytes[i]!]!;
    buf[p++] = pair >>> 8;
    buf[p++] = pair & 0xff;
  }
  out.length = p;
}

/** Pre-encoded bytes (constant columns, fixed words), copied natively when long. */
export function copyBlock(out: ByteWriter, block: Buffer): void {
  const n = block.length;
  const buf = out.room(n);
  const p = out.length;
  if (n <= 16) for (let i = 0; i < n; i++) buf[p + i] = block[i]!;
  else block.copy(buf, p);
  out.length = p + n;
}

const cursor = new Cursor(new Uint8Array(0), 0, 0);

/** A non-negative integer below 2^53 in decimal, as String(n) would write it. */
function writeDecimal(out: ByteWriter, n: number): void {
  if (n >= 0x80000000) {
    out.string(String(n));
    return;
  }
  // Int32 arithmetic from here on.
  let digits = 1;
  for (let t = n; t >= 10; t = (t / 10) | 0) digits++;
  const buf = out.room(digits + 1);
  const start = out.length;
  buf[start] = digits;
  let p = start + digits;
  for (let t = n; p > start; t = (t / 10) | 0) buf[p--] = 0x30 + (t % 10);
  out.length = start + digits + 1;
}

const TRUE = Buffer.from('\x04true');
const FALSE = Buffer.from('\x05false');

/**
 * pdata AsString of the AnyValue message at bytes[s, e) (s < 0: no value, ""). Scalars are rendered
 * here; arrays and maps (JSON with sorted keys) go through the decoder's own renderer.
 */
export function writeAnyValue(out: ByteWriter, bytes: Uint8Array, s: number, e: number): void {
  if (s < 0) {
    out.u8(0);
    return;
  }
  // The usual case, one string field with a one-byte length, without the general walk.
  if (e - s >= 2 && bytes[s] === 0x0a && s + 2 + bytes[s + 1]! === e) {
    copyString(out, bytes, s + 2, e);
    return;
  }
  const c = cursor.reset(bytes, s, e);
  let kind = 0;
  let at = 0;
  let to = 0;
  while (c.pos < c.end) {
    const key = c.tag();
    switch (key) {
      case 0x0a: // string_value
      case 0x3a: // bytes_value
        to = c.enter();
        at = c.pos;
        c.pos = to;
        kind = key;
        break;
      case 0x10: // bool_value
        at = c.varint();
        kind = key;
        break;
      case 0x18: // int_value
        at = c.pos;
        c.varint();
        to = c.pos;
        kind = key;
        break;
      case 0x21: // double_value
        at = c.skip8();
        kind = key;
        break;
      case 0x2a: // array_value
      case 0x32: // kvlist_value
        // The decoder parses every nested value (and may throw on one): let it render the whole value.
        out.string(anyValueAsString(bytes, s, e));
        return;
      default:
        c.skip(key & 7);
    }
  }
  switch (kind) {
    case 0x0a:
      copyString(out, bytes, at, to);
      return;
    case 0x3a:
      out.string(Buffer.from(bytes.buffer, bytes.byteOffset + at, to - at).toString('base64'));
      return;
    case 0x10:
      copyBlock(out, at !== 0 ? TRUE : FALSE);
      return;
    case 0x18: {
      if (to - at <= 7) {
        c.reset(bytes, at, to);
        writeDecimal(out, c.varint());
      } else {
        c.reset(bytes, at, to);
        out.string(BigInt.asIntN(64, varintBigAt(c)).toString());
      }
      return;
    }
    case 0x21:
      out.string(formatDouble(f64At(bytes, at)));
      return;
    default:
      out.u8(0);
  }
}
