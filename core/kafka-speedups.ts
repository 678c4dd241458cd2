/**
 * Two hot spots of kafkajs 2.2.4's produce path, replaced before kafkajs is first loaded (import this
 * module before 'kafkajs'). Profiles of the receiver under load showed them at ~10% and ~25% of its CPU:
 *
 * 1. CRC32C of every record batch, computed a byte at a time: replaced by a slicing-by-8 version
 *    (eight bytes per step, same polynomial and result; a unit test checks them against each other).
 * 2. The protocol encoder grows its buffer with zero-filled allocations sized to the next power of
 *    two and copies at each step; with 1 MB produce requests that is several MB of zeroed memory per
 *    request, and the external-memory pressure makes V8 run a full GC every few tens of ms. Growth
 *    now allocates without zero-filling (every byte up to the write offset is written before it is
 *    read; kafkajs only ever reads `buf.slice(0, offset)`).
 *
 * Both are applied through Node's CommonJS module cache to the exact files of the pinned kafkajs
 * version. If that layout is not found (another kafkajs version), nothing is changed and
 * `kafkaSpeedups.active` is false; a unit test fails then, so an upgrade cannot silently lose them.
 */
import { createRequire, Module } from 'node:module';

const require = createRequire(import.meta.url);

/** CRC32C (Castagnoli, reflected polynomial 0x82F63B78) lookup tables for slicing-by-8. */
const TABLES: Int32Array[] = (() => {
  const tables = Array.from({ length: 8 }, () => new Int32Array(256));
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    tables[0]![n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = tables[0]![n]!;
    for (let t = 1; t < 8; t++) {
      c = tables[0]![c & 0xff]! ^ (c >>> 8);
      tables[t]![n] = c;
    }
  }
  return tables;
})();

/** CRC32C of `bytes` as an unsigned 32-bit number. */
export function crc32c(bytes: Uint8Array): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = TABLES as [
    Int32Array,
    Int32Array,
    Int32Array,
    Int32Array,
    Int32Array,
    Int32Array,
    Int32Array,
    Int32Array,
  ];
  let crc = -1;
  let i = 0;
  const length = bytes.length;
  const fast = length - (length % 8);
  for (; i < fast; i += 8) {
    const lo = crc ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    crc =
      t7[lo & 0xff]! ^
      t6[(lo >>> 8) & 0xff]! ^
      t5[(lo >>> 16) & 0xff]! ^
      t4[lo >>> 24]! ^
      t3[bytes[i + 4]!]! ^
      t2[bytes[i + 5]!]! ^
      t1[bytes[i + 6]!]! ^
      t0[bytes[i + 7]!]!;
  }
  for (; i < length; i++) crc = t0[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

interface EncoderLike {
  buf: Buffer;
  offset: number;
}

function install(): boolean {
  let crcPath: string;
  let encoderPath: string;
  try {
    crcPath = require.resolve('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js');
    encoderPath = require.resolve('kafkajs/src/protocol/encoder.js');
    const version = (require('kafkajs/package.json') as { version: string }).version;
    if (version !== '2.2.4') return false;
  } catch {
    return false;
  }
  if (!require.cache[crcPath]) {
    const module = new Module(crcPath);
    module.filename = crcPath;
    module.loaded = true;
    module.exports = crc32c;
    require.cache[crcPath] = module;
  }
  const Encoder = require(encoderPath) as {
    prototype: { ensureAvailable(this: EncoderLike, length: number): void };
  };
  Encoder.prototype.ensureAvailable = function ensureAvailable(this: EncoderLike, length: number): void {
    const needed = this.offset + length;
    if (needed <= this.buf.length) return;
    // Doubling (not just the next power of two of what is needed) keeps appends amortised O(1).
    const grown = Buffer.allocUnsafe(Math.max(needed, this.buf.length * 2));
    this.buf.copy(grown, 0, 0, this.offset);
    this.buf = grown;
  };
  return require(crcPath) === crc32c;
}

export const kafkaSpeedups = { active: install() };
