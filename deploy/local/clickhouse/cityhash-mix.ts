/**
 * CityHash v1.0.2's 64-bit arithmetic and its mixes of short inputs (HashLen16, HashLen0to16), for
 * cityhash102.ts, without BigInt, which allocates per operation: each 64-bit value is two unsigned
 * 32-bit halves, passed as (high, low) arguments, and every helper leaves its result in the live
 * bindings `H` (high) and `L` (low), read by the importing module right after the call. Module state
 * instead of returned pairs: no object per operation.
 */

/** High and low 32 bits of the last helper's 64-bit result. */
export let H = 0;
export let L = 0;

// Primes between 2^63 and 2^64 the algorithm uses, as (high, low) halves.
export const K0H = 0xc3a5c85c;
export const K0L = 0x97cb3127;
export const K1H = 0xb492b66f;
export const K1L = 0xbe98f273;
export const K2H = 0x9ae16a3b;
export const K2L = 0x2f90404f;
export const K3H = 0xc949d7c7;
export const K3L = 0x509e6557;
const KMULH = 0x9ddfea08;
const KMULL = 0xeb382d69;

const EMPTY = new DataView(new ArrayBuffer(0));
let view: DataView = EMPTY;

/** The bytes fetch64 reads from, until clearView (the caller's memory is not kept alive here). */
export function setView(bytes: Uint8Array): void {
  view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
export function clearView(): void {
  view = EMPTY;
}

/** Sets the result, for the hash's own steps (an importing module cannot assign H and L). */
export function set(h: number, l: number): void {
  H = h;
  L = l;
}

export function fetch64(at: number): void {
  L = view.getUint32(at, true);
  H = view.getUint32(at + 4, true);
}

export function add(ah: number, al: number, bh: number, bl: number): void {
  const low = al + bl;
  L = low >>> 0;
  H = (ah + bh + (low > 0xffffffff ? 1 : 0)) >>> 0;
}

export function sub(ah: number, al: number, bh: number, bl: number): void {
  const low = al - bl;
  L = low >>> 0;
  H = (ah - bh - (low < 0 ? 1 : 0)) >>> 0;
}

/** The low 64 bits of a 64 × 64-bit product. */
export function mul(ah: number, al: number, bh: number, bl: number): void {
  // al × bl in full from 16-bit pieces (every partial product is exact in a double).
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const middle = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  const carry = a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (middle >>> 16);
  L = Math.imul(al, bl) >>> 0;
  H = (carry + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0;
}

/** Right rotation by 0-63 bits. */
export function rotate(h: number, l: number, shift: number): void {
  if (shift === 0) {
    H = h;
    L = l;
  } else if (shift < 32) {
    L = ((l >>> shift) | (h << (32 - shift))) >>> 0;
    H = ((h >>> shift) | (l << (32 - shift))) >>> 0;
  } else if (shift === 32) {
    H = l;
    L = h;
  } else {
    const s = shift - 32;
    L = ((h >>> s) | (l << (32 - s))) >>> 0;
    H = ((l >>> s) | (h << (32 - s))) >>> 0;
  }
}

/** x ^ (x >> 47) */
export function shiftMix(h: number, l: number): void {
  H = h;
  L = (l ^ (h >>> 15)) >>> 0;
}

/** HashLen16(u, v) = Hash128to64(uint128(low u, high v)). */
export function hashLen16(uh: number, ul: number, vh: number, vl: number): void {
  mul((uh ^ vh) >>> 0, (ul ^ vl) >>> 0, KMULH, KMULL);
  shiftMix(H, L);
  const ah = H;
  const al = L;
  mul((vh ^ ah) >>> 0, (vl ^ al) >>> 0, KMULH, KMULL);
  shiftMix(H, L);
  mul(H, L, KMULH, KMULL);
}

/** HashLen0to16: CityHash of 0 to 16 bytes at `at`. */
export function hashLen0to16(at: number, len: number): void {
  if (len > 8) {
    fetch64(at);
    const ah = H;
    const al = L;
    fetch64(at + len - 8);
    const bh = H;
    const bl = L;
    add(bh, bl, 0, len);
    rotate(H, L, len);
    hashLen16(ah, al, H, L);
    H = (H ^ bh) >>> 0;
    L = (L ^ bl) >>> 0;
    return;
  }
  if (len >= 4) {
    const a = view.getUint32(at, true);
    // len + (a << 3), a 64-bit value
    add(a >>> 29, (a << 3) >>> 0, 0, len);
    hashLen16(H, L, 0, view.getUint32(at + len - 4, true));
    return;
  }
  if (len > 0) {
    const a = view.getUint8(at);
    const b = view.getUint8(at + (len >> 1));
    const c = view.getUint8(at + len - 1);
    const y = a + (b << 8);
    const z = len + (c << 2);
    mul(0, y, K2H, K2L);
    const yh = H;
    const yl = L;
    mul(0, z, K3H, K3L);
    shiftMix((yh ^ H) >>> 0, (yl ^ L) >>> 0);
    mul(H, L, K2H, K2L);
    return;
  }
  H = K2H;
  L = K2L;
}
