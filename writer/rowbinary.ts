/**
 * RowBinary encoding driven by the live column types (DESC TABLE): a type string is compiled once
 * into an encoder, and rows are written straight into a growing buffer.
 */
import { typeArguments } from '../schemas/type-arguments.js';
import type { BufferPool } from '../core/buffer-pool.js';

export type Encoder = (out: ByteWriter, value: unknown) => void;

const EMPTY = Buffer.alloc(0);

export class ByteWriter {
  private buffer: Buffer;
  length = 0;
  /**
   * `pool`: large buffers come from it (growth included) and go back to it on `release`; a writer
   * without one allocates as it grows and leaves its buffers to the GC.
   */
  constructor(
    initial = 1 << 16,
    private readonly pool?: BufferPool,
  ) {
    this.buffer = pool ? pool.take(initial) : Buffer.allocUnsafe(initial);
  }
  private ensure(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let size = Math.max(this.buffer.length * 2, 1 << 12);
    while (size < this.length + extra) size *= 2;
    const next = this.pool ? this.pool.take(size) : Buffer.allocUnsafe(size);
    this.buffer.copy(next, 0, 0, this.length);
    // The outgrown buffer is not given back: a view of it from bytes() may still be in use.
    this.buffer = next;
  }
  /**
   * Gives the buffer back to the pool; the writer is empty and must not be used again, and no view
   * of its bytes may be in use (the insert that sent them has finished).
   */
  release(): void {
    this.pool?.give(this.buffer);
    this.buffer = EMPTY;
    this.length = 0;
  }
  varint(value: number): void {
    this.ensure(10);
    while (value >= 0x80) {
      this.buffer[this.length++] = (value & 0x7f) | 0x80;
      value = Math.floor(value / 128);
    }
    this.buffer[this.length++] = value;
  }
  u8(value: number): void {
    this.ensure(1);
    this.buffer[this.length++] = value & 0xff;
  }
  u16(value: number): void {
    this.ensure(2);
    this.buffer.writeUInt16LE(value & 0xffff, this.length);
    this.length += 2;
  }
  u32(value: number): void {
    this.ensure(4);
    this.buffer.writeUInt32LE(value >>> 0, this.length);
    this.length += 4;
  }
  i32(value: number): void {
    this.ensure(4);
    this.buffer.writeInt32LE(value | 0, this.length);
    this.length += 4;
  }
  u64(value: bigint): void {
    this.ensure(8);
    this.buffer.writeBigUInt64LE(BigInt.asUintN(64, value), this.length);
    this.length += 8;
  }
  i64(value: bigint): void {
    this.ensure(8);
    this.buffer.writeBigInt64LE(BigInt.asIntN(64, value), this.length);
    this.length += 8;
  }
  f64(value: number): void {
    this.ensure(8);
    this.buffer.writeDoubleLE(value, this.length);
    this.length += 8;
  }
  string(value: string): void {
    const length = value.length;
    if (length < 128) {
      // Most strings are short ASCII: copy them byte by byte, skipping two passes of UTF-8 encoding.
      this.ensure(length + 1);
      const buffer = this.buffer;
      const start = this.length + 1;
      let i = 0;
      for (; i < length; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) break;
        buffer[start + i] = c;
      }
      if (i === length) {
        buffer[this.length] = length;
        this.length = start + length;
        return;
      }
    }
    const bytes = Buffer.byteLength(value);
    this.varint(bytes);
    this.ensure(bytes);
    this.buffer.write(value, this.length, bytes, 'utf8');
    this.length += bytes;
  }
  /**
   * Room for `extra` more bytes: returns the underlying buffer, to be written from `length` on (the
   * caller then advances `length`). The transcoder writes through this to skip per-call overhead.
   */
  room(extra: number): Buffer {
    this.ensure(extra);
    return this.buffer;
  }
  /** The bytes written so far (a view, valid until the next write). */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

function toBigInt(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(Math.trunc(value));
  if (typeof value === 'boolean') return value ? 1n : 0n;
  if (typeof value === 'string' && value !== '') return BigInt(value);
  return 0n;
}

function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  return 0;
}

const NS_PER_SECOND = 1_000_000_000n;

/** Compiles a ClickHouse type into an encoder. Times arrive as bigint nanoseconds. Unknown types throw. */
export function encoderFor(type: string): Encoder {
  const t = type.trim();
  const wrapped = /^(\w+)\((.*)\)$/s.exec(t);
  if (wrapped) {
    const [, outer, inner] = wrapped as unknown as [string, string, string];
    switch (outer) {
      case 'LowCardinality':
        return encoderFor(inner);
      case 'Nullable': {
        const enc = encoderFor(inner);
        return (out, v) => {
          if (v === null || v === undefined) out.u8(1);
          else {
            out.u8(0);
            enc(out, v);
          }
        };
      }
      case 'Array': {
        const enc = encoderFor(inner);
        return (out, v) => {
          const list = Array.isArray(v) ? v : [];
          out.varint(list.length);
          for (const item of list) enc(out, item);
        };
      }
      case 'Map': {
        const [k, val] = typeArguments(inner);
        const encKey = encoderFor(k!);
        const encValue = encoderFor(val!);
        return (out, v) => {
          const pairs = Array.isArray(v) ? (v as [unknown, unknown][]) : [];
          out.varint(pairs.length);
          for (const [key, value] of pairs) {
            encKey(out, key);
            encValue(out, value);
          }
        };
      }
      case 'DateTime64': {
        const precision = Number(typeArguments(inner)[0]);
        const divisor = 10n ** BigInt(9 - precision);
        return (out, v) => out.i64(toBigInt(v) / divisor);
      }
      case 'DateTime':
        return (out, v) => out.u32(Number(toBigInt(v) / NS_PER_SECOND));
      case 'FixedString': {
        const size = Number(inner);
        return (out, v) => {
          const bytes = Buffer.alloc(size);
          Buffer.from(typeof v === 'string' ? v : '').copy(bytes);
          for (const b of bytes) out.u8(b);
        };
      }
      default:
        throw new Error(`RowBinary: unsupported type ${t}`);
    }
  }
  switch (t) {
    case 'String':
      return (out, v) =>
        out.string(
          typeof v === 'string'
            ? v
            : typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean'
              ? String(v)
              : '',
        );
    case 'UInt8':
    case 'Bool':
      return (out, v) => out.u8(toNumber(v));
    case 'UInt16':
      return (out, v) => out.u16(toNumber(v));
    case 'UInt32':
      return (out, v) => out.u32(toNumber(v));
    case 'Int32':
      return (out, v) => out.i32(toNumber(v));
    case 'UInt64':
      return (out, v) => out.u64(toBigInt(v));
    case 'Int64':
      return (out, v) => out.i64(toBigInt(v));
    case 'Float64':
      return (out, v) => out.f64(toNumber(v));
    case 'DateTime':
      return (out, v) => out.u32(Number(toBigInt(v) / NS_PER_SECOND));
    default:
      throw new Error(`RowBinary: unsupported type ${t}`);
  }
}
