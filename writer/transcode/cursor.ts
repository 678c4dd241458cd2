/**
 * A protobuf cursor for the transcoder's hot loops: tags and lengths come back as plain numbers (no
 * {field, wire} or {start, end} objects per field), and a length-delimited field is entered by moving
 * `end`, so one cursor walks a whole message tree. Same checks and messages as schemas/otlp/wire.ts.
 */
import { WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT, WireError } from '../../schemas/otlp/wire.js';

export class Cursor {
  bytes: Uint8Array;
  pos: number;
  end: number;

  constructor(bytes: Uint8Array, pos: number, end: number) {
    this.bytes = bytes;
    this.pos = pos;
    this.end = end;
  }

  reset(bytes: Uint8Array, pos: number, end: number): this {
    this.bytes = bytes;
    this.pos = pos;
    this.end = end;
    return this;
  }

  /** Unsigned varint up to 2^53. */
  varint(): number {
    const bytes = this.bytes;
    let p = this.pos;
    if (p < this.end) {
      const b = bytes[p]!;
      if (b < 0x80) {
        this.pos = p + 1;
        return b;
      }
    }
    let result = 0;
    let multiplier = 1;
    for (let i = 0; i < 10; i++) {
      if (p >= this.end) throw new WireError('truncated varint');
      const byte = bytes[p++]!;
      result += (byte & 0x7f) * multiplier;
      if (byte < 0x80) {
        this.pos = p;
        return result;
      }
      multiplier *= 128;
    }
    throw new WireError('varint longer than 10 bytes');
  }

  /** A tag key (field << 3 | wire); throws on field 0 as WireReader.tag does. */
  tag(): number {
    const p = this.pos;
    if (p < this.end) {
      const b = this.bytes[p]!;
      if (b >= 8 && b < 0x80) {
        this.pos = p + 1;
        return b;
      }
    }
    const key = this.varint();
    if (key < 8) throw new WireError('field number 0');
    return key;
  }

  /** Length of a length-delimited field, checked against `end`; `pos` is left at its first byte. */
  len(): number {
    const p = this.pos;
    let length: number;
    if (p < this.end && this.bytes[p]! < 0x80) {
      length = this.bytes[p]!;
      this.pos = p + 1;
    } else length = this.varint();
    if (this.pos + length > this.end)
      throw new WireError(`length ${length} runs past the end of its message`);
    return length;
  }

  /** Bytes of a length-delimited field as the field's end; `pos` is left at its start. */
  enter(): number {
    const length = this.len();
    return this.pos + length;
  }

  fixed32(): number {
    if (this.pos + 4 > this.end) throw new WireError('truncated fixed32');
    const b = this.bytes;
    const p = this.pos;
    this.pos += 4;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16)) + b[p + 3]! * 0x1000000;
  }

  /** Moves past 8 bytes and returns where they start (the caller reads them as it needs). */
  skip8(): number {
    if (this.pos + 8 > this.end) throw new WireError('truncated fixed64');
    const p = this.pos;
    this.pos += 8;
    return p;
  }

  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_I64:
        if (this.pos + 8 > this.end) throw new WireError('truncated fixed64');
        this.pos += 8;
        return;
      case WIRE_LEN: {
        const length = this.len(); // before reading pos: len() moves it past the length's varint
        this.pos += length;
        return;
      }
      case WIRE_I32:
        if (this.pos + 4 > this.end) throw new WireError('truncated fixed32');
        this.pos += 4;
        return;
      default:
        throw new WireError(`unsupported wire type ${wire}`);
    }
  }
}

/** Little-endian uint32 at p (callers have bounds-checked). */
export function u32At(b: Uint8Array, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16)) + b[p + 3]! * 0x1000000;
}

const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);

/** Little-endian double at p. */
export function f64At(b: Uint8Array, p: number): number {
  for (let i = 0; i < 8; i++) f64Bytes[i] = b[p + i]!;
  return f64[0]!;
}

/**
 * Little-endian int64 at p as a double, as Number(sfixed64) gives it: hi × 2^32 is exact, so adding
 * lo rounds once, to the nearest double, exactly as the BigInt conversion does.
 */
export function i64AsNumberAt(b: Uint8Array, p: number): number {
  return (u32At(b, p + 4) | 0) * 4294967296 + u32At(b, p);
}

/** uint64 varint → bigint, exact (for int64 values too large for a double). */
export function varintBigAt(c: Cursor): bigint {
  let result = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    if (c.pos >= c.end) throw new WireError('truncated varint');
    const byte = c.bytes[c.pos++]!;
    result |= BigInt(byte & 0x7f) << shift;
    if (byte < 0x80) return result;
    shift += 7n;
  }
  throw new WireError('varint longer than 10 bytes');
}
