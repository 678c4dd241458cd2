/**
 * CityHash128 v1.0.2 (deploy/local/clickhouse/cityhash102.ts) against the vectors ClickHouse-Native-JDBC
 * publishes from the C++ reference, and against a plain BigInt transcription of the algorithm for every
 * length path (0-7, 8-15, 16-127 through CityMurmur, 128 and over with 0-127 tail bytes). The
 * integration test clickhouse-compressed-body checks it on blocks the ClickHouse engine wrote.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { cityHash128 } from '../../../../../deploy/local/clickhouse/cityhash102.js';

const M = (1n << 64n) - 1n;
const k0 = 0xc3a5c85c97cb3127n;
const k1 = 0xb492b66fbe98f273n;
const k2 = 0x9ae16a3b2f90404fn;
const k3 = 0xc949d7c7509e6557n;
const kMul = 0x9ddfea08eb382d69n;

/** The reference: every step of the C code with BigInt, masked to 64 bits. */
function reference(s: Buffer): Buffer {
  const f64 = (i: number): bigint => s.readBigUInt64LE(i);
  const f32 = (i: number): bigint => BigInt(s.readUInt32LE(i));
  const mul = (a: bigint, b: bigint): bigint => (a * b) & M;
  const add = (...xs: bigint[]): bigint => xs.reduce((a, b) => (a + b) & M, 0n);
  const rot = (v: bigint, r: number): bigint =>
    r === 0 ? v : ((v >> BigInt(r)) | (v << BigInt(64 - r))) & M;
  const mix = (v: bigint): bigint => v ^ (v >> 47n);
  const h16 = (u: bigint, v: bigint): bigint => {
    let a = mul(u ^ v, kMul);
    a ^= a >> 47n;
    let b = mul(v ^ a, kMul);
    b ^= b >> 47n;
    return mul(b, kMul);
  };
  const len0to16 = (at: number, len: number): bigint => {
    if (len > 8) {
      const a = f64(at);
      const b = f64(at + len - 8);
      return h16(a, rot(add(b, BigInt(len)), len)) ^ b;
    }
    if (len >= 4) return h16(add(BigInt(len), (f32(at) << 3n) & M), f32(at + len - 4));
    if (len > 0) {
      const y = BigInt(s[at]! + (s[at + (len >> 1)]! << 8));
      const z = BigInt(len + (s[at + len - 1]! << 2));
      return mul(mix(mul(y, k2) ^ mul(z, k3)), k2);
    }
    return k2;
  };
  const weak = (at: number, a: bigint, b: bigint): [bigint, bigint] => {
    const [w, x, y, z] = [f64(at), f64(at + 8), f64(at + 16), f64(at + 24)];
    a = add(a, w);
    b = rot(add(b, a, z), 21);
    const c = a;
    a = add(a, x, y);
    b = add(b, rot(a, 44));
    return [add(a, z), add(b, c)];
  };
  const murmur = (at: number, len: number, a: bigint, b: bigint): [bigint, bigint] => {
    let c: bigint;
    let d: bigint;
    let l = len - 16;
    if (l <= 0) {
      a = mul(mix(mul(a, k1)), k1);
      c = add(mul(b, k1), len0to16(at, len));
      d = mix(add(a, len >= 8 ? f64(at) : c));
    } else {
      c = h16(add(f64(at + len - 8), k1), a);
      d = h16(add(b, BigInt(len)), add(c, f64(at + len - 16)));
      a = add(a, d);
      do {
        a ^= mul(mix(mul(f64(at), k1)), k1);
        a = mul(a, k1);
        b ^= a;
        c ^= mul(mix(mul(f64(at + 8), k1)), k1);
        c = mul(c, k1);
        d ^= c;
        at += 16;
        l -= 16;
      } while (l > 0);
    }
    a = h16(a, c);
    b = h16(d, b);
    return [a ^ b, h16(b, a)];
  };
  const seeded = (at: number, len: number, x: bigint, y: bigint): [bigint, bigint] => {
    if (len < 128) return murmur(at, len, x, y);
    let z = mul(BigInt(len), k1);
    let v: [bigint, bigint] = [add(mul(rot(y ^ k1, 49), k1), f64(at)), 0n];
    v[1] = add(mul(rot(v[0], 42), k1), f64(at + 8));
    let w: [bigint, bigint] = [add(mul(rot(add(y, z), 35), k1), x), mul(rot(add(x, f64(at + 88)), 53), k1)];
    do {
      for (let i = 0; i < 2; i++) {
        x = mul(rot(add(x, y, v[0], f64(at + 16)), 37), k1);
        y = mul(rot(add(y, v[1], f64(at + 48)), 42), k1);
        x ^= w[1];
        y ^= v[0];
        z = rot(z ^ w[0], 33);
        v = weak(at, mul(v[1], k1), add(x, w[0]));
        w = weak(at + 32, add(z, w[1]), y);
        [z, x] = [x, z];
        at += 64;
      }
      len -= 128;
    } while (len >= 128);
    y = add(y, mul(rot(w[0], 37), k0), z);
    x = add(x, mul(rot(add(v[0], z), 49), k0));
    for (let done = 0; done < len;) {
      done += 32;
      y = add(mul(rot((y - x) & M, 42), k0), v[1]);
      w[0] = add(w[0], f64(at + len - done + 16));
      x = add(mul(rot(x, 49), k0), w[0]);
      w[0] = add(w[0], v[0]);
      v = weak(at + len - done, v[0], v[1]);
    }
    x = h16(x, v[0]);
    y = h16(y, w[0]);
    return [add(h16(add(x, v[1]), w[1]), y), h16(add(x, w[1]), add(y, v[1]))];
  };
  const len = s.length;
  const [low, high] =
    len >= 16
      ? seeded(16, len - 16, f64(0) ^ k3, f64(8))
      : len >= 8
        ? seeded(0, 0, f64(0) ^ mul(BigInt(len), k0), f64(len - 8) ^ k1)
        : seeded(0, len, k0, k1);
  const out = Buffer.alloc(16);
  out.writeBigUInt64LE(low, 0);
  out.writeBigUInt64LE(high, 8);
  return out;
}

test('the checksum of an LZ4 block of "SELECT 1\\n", the one the integration test posts', () => {
  const block = Buffer.concat([Buffer.from('82130000000900000090', 'hex'), Buffer.from('SELECT 1\n')]);
  assert.equal(cityHash128(block).toString('hex'), '507432f259e98adb37c64aa7fb22c439');
  assert.equal(reference(block).toString('hex'), '507432f259e98adb37c64aa7fb22c439');
});

test('vectors published with ClickHouse-Native-JDBC (from the C++ CityHash v1.0.2 reference)', () => {
  // Blocks of 7, 8 and 9 bytes of alternating 0xC3 0xA9 in LZ4 block framing; the checksum as the
  // low and the high 64 bits, printed as hexadecimal numbers.
  const vectors: ReadonlyArray<readonly [string, string, string]> = [
    ['82110000000700000070c3a9c3a9c3a9c3', '1af4b189b2ca8dc5', 'c827b4a178976ea8'],
    ['82120000000800000080c3a9c3a9c3a9c3a9', '828a61abd2bd941e', 'c16219d5f6230190'],
    ['82130000000900000090c3a9c3a9c3a9c3a9c3', '582efcb6b166c17a', '17e0d03a51b9ad3a'],
  ];
  for (const [block, low, high] of vectors) {
    const sum = cityHash128(Buffer.from(block, 'hex'));
    assert.equal(sum.readBigUInt64LE(0).toString(16).padStart(16, '0'), low, block);
    assert.equal(sum.readBigUInt64LE(8).toString(16).padStart(16, '0'), high, block);
  }
});

test('equal to the BigInt transcription for every length path', () => {
  const lengths = [...Array.from({ length: 300 }, (_, i) => i), 511, 512, 513, 1000, 4096, 65_537, 1_048_585];
  for (const length of lengths) {
    const bytes = randomBytes(length);
    assert.equal(cityHash128(bytes).toString('hex'), reference(bytes).toString('hex'), `length ${length}`);
  }
  // All-ones bytes drive every carry and every high bit.
  for (const length of [7, 15, 16, 127, 128, 255, 256, 1000]) {
    const bytes = Buffer.alloc(length, 0xff);
    assert.equal(cityHash128(bytes).toString('hex'), reference(bytes).toString('hex'), `0xff × ${length}`);
  }
});

test('a view into a larger buffer hashes only its own bytes', () => {
  const whole = randomBytes(4096);
  const part = whole.subarray(100, 3000);
  assert.equal(cityHash128(part).toString('hex'), reference(Buffer.from(part)).toString('hex'));
});
