/**
 * Kafka record keys and partitions as the OpenTelemetry Collector's kafkaexporter makes them
 * (clickstack-processing.md §4.1), so that a mixed fleet of Collectors and tributary receivers puts
 * the same key on the same partition:
 *
 * - traceIdKey: `partition_traces_by_id` / `partition_logs_by_trace_id` — the ASCII bytes of the
 *   lowercase 32-character hex trace id; an all-zero id gives an empty key.
 * - resourceKey: `partition_{logs,metrics}_by_resource_attributes` — the 16 raw bytes of pdatautil
 *   MapHash(resource.attributes): a canonical byte encoding of the attributes (keys sorted) hashed
 *   twice with xxHash64.
 * - saramaPartition: the default `sticky_key` partitioner with the `sarama_compat` hasher —
 *   |int32(FNV-1a-32(key)) mod n|. Keyless records are not hashed (the producer picks a sticky
 *   partition), so this is only for records that have a key.
 *
 * Pure functions; the xxHash64 implementation (xxhash-wasm) is instantiated once at module load.
 */
import xxhash from 'xxhash-wasm';
import type { Raw } from '../writer/decode/anyvalue.js';

const hasher = await xxhash();

const HEX = '0123456789abcdef';

/** The Collector's trace-id record key: lowercase hex as ASCII, empty for a missing or all-zero id. */
export function traceIdKey(traceId: Uint8Array): Uint8Array {
  if (traceId.every((b) => b === 0)) return new Uint8Array(0);
  const out = new Uint8Array(traceId.length * 2);
  for (let i = 0; i < traceId.length; i++) {
    out[2 * i] = HEX.charCodeAt(traceId[i]! >> 4);
    out[2 * i + 1] = HEX.charCodeAt(traceId[i]! & 15);
  }
  return out;
}

// MapHash's type markers (one byte before each element).
const KEY = 0xf4;
const EMPTY = 0xf5;
const BYTES = 0xf6;
const STRING = 0xf7;
const TRUE = 0xf8;
const FALSE = 0xf9;
const INT = 0xfa;
const DOUBLE = 0xfb;
const MAP_START = 0xfc;
const MAP_END = 0xfd;
const ARRAY_START = 0xfe;
const ARRAY_END = 0xff;
const SECOND_HASH = 0xf3;

const encoder = new TextEncoder();

/** A growable byte buffer for the canonical encoding. */
class Bytes {
  private buf = new Uint8Array(256);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.length++] = b;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** 8 bytes little-endian, from a DataView writer. */
  word(write: (view: DataView) => void): void {
    const word = new Uint8Array(8);
    write(new DataView(word.buffer));
    this.bytes(word);
  }

  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

/** Map keys in byte order (Go sorts strings bytewise, which is UTF-8 order, not UTF-16 order). */
function sortedEntries(entries: readonly (readonly [string, Raw])[]): [Uint8Array, Raw][] {
  const encoded = entries.map(([k, v]): [Uint8Array, Raw] => [encoder.encode(k), v]);
  return encoded.sort((a, b) => Buffer.compare(a[0], b[0]));
}

function writeMap(out: Bytes, entries: readonly (readonly [string, Raw])[]): void {
  for (const [key, value] of sortedEntries(entries)) {
    out.byte(KEY);
    out.bytes(key);
    writeValue(out, value);
  }
}

function writeValue(out: Bytes, value: Raw): void {
  if (value === null) out.byte(EMPTY);
  else if (typeof value === 'string') {
    out.byte(STRING);
    out.bytes(encoder.encode(value));
  } else if (typeof value === 'boolean') out.byte(value ? TRUE : FALSE);
  else if (typeof value === 'bigint') {
    out.byte(INT);
    out.word((v) => v.setBigInt64(0, BigInt.asIntN(64, value), true));
  } else if (typeof value === 'number') {
    out.byte(DOUBLE);
    out.word((v) => v.setFloat64(0, value, true));
  } else if (value instanceof Uint8Array) {
    out.byte(BYTES);
    out.bytes(value);
  } else if (Array.isArray(value)) {
    out.byte(ARRAY_START);
    for (const item of value) writeValue(out, item);
    out.byte(ARRAY_END);
  } else {
    out.byte(MAP_START);
    writeMap(out, value.entries);
    out.byte(MAP_END);
  }
}

/**
 * pdatautil.MapHash of resource attributes: 16 bytes, the same for the same attributes in any
 * order. `attributes` as decoded AnyValues (ints as bigint, doubles as number, kvlists as
 * `{ entries }`). Duplicate keys are hashed as sent (pdata keeps them too).
 */
export function resourceKey(attributes: readonly (readonly [string, Raw])[]): Uint8Array {
  const out = new Uint8Array(16);
  if (attributes.length === 0) return out;
  const buf = new Bytes();
  writeMap(buf, attributes);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, hasher.h64Raw(buf.view(), 0n), true);
  buf.byte(SECOND_HASH);
  view.setBigUint64(8, hasher.h64Raw(buf.view(), 0n), true);
  return out;
}

/** FNV-1a, 32 bits. Written out (five lines) rather than a dependency: it runs once per keyed record. */
export function fnv1a32(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (const b of bytes) hash = Math.imul(hash ^ b, 0x01000193);
  return hash >>> 0;
}

/** Sarama's hash partitioner (franz-go SaramaCompatHasher over FNV-1a): |int32(hash) mod n|. */
export function saramaPartition(key: Uint8Array, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1)
    throw new RangeError(`partitions must be ≥ 1, got ${partitions}`);
  const signed = fnv1a32(key) | 0;
  return Math.abs(signed % partitions);
}
