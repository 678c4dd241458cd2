/**
 * CityHash128 as ClickHouse computes the checksum of a compressed block: CityHash version 1.0.2,
 * which ClickHouse pins (its `contrib/cityhash102`, namespace `CityHash_v1_0_2`); later CityHash
 * releases hash differently, and no npm package implements this version for binary input, so it is
 * written here from the algorithm's description.
 *
 * JavaScript has no 64-bit integers besides BigInt, which allocates per operation (the local server
 * checks every block a client sends, tens of megabytes per bench run). Each 64-bit value is kept as
 * two unsigned 32-bit halves in local variables; the helpers of cityhash-mix.ts leave their result
 * in `H`/`L`.
 */

import {
  H,
  K0H,
  K0L,
  K1H,
  K1L,
  K3H,
  K3L,
  L,
  add,
  clearView,
  fetch64,
  hashLen0to16,
  hashLen16,
  mul,
  rotate,
  set,
  setView,
  shiftMix,
  sub,
} from './cityhash-mix.js';

/** The two halves of a pair result (WeakHashLen32WithSeeds): first = (P1H, P1L), second = (P2H, P2L). */
let P1H = 0;
let P1L = 0;
let P2H = 0;
let P2L = 0;

/** Leaves its pair result in P1/P2. */
function weakHashLen32WithSeeds(at: number, ah: number, al: number, bh: number, bl: number): void {
  fetch64(at);
  const wh = H;
  const wl = L;
  fetch64(at + 24);
  const zh = H;
  const zl = L;
  add(ah, al, wh, wl); // a += w
  ah = H;
  al = L;
  add(bh, bl, ah, al); // b + a + z, rotated by 21
  add(H, L, zh, zl);
  rotate(H, L, 21);
  bh = H;
  bl = L;
  const ch = ah;
  const cl = al;
  fetch64(at + 8); // a += x
  add(ah, al, H, L);
  ah = H;
  al = L;
  fetch64(at + 16); // a += y
  add(ah, al, H, L);
  ah = H;
  al = L;
  rotate(ah, al, 44); // b += Rotate(a, 44)
  add(bh, bl, H, L);
  bh = H;
  bl = L;
  add(ah, al, zh, zl);
  P1H = H;
  P1L = L;
  add(bh, bl, ch, cl);
  P2H = H;
  P2L = L;
}

/** The 128-bit result: low 64 bits (RLH, RLL), high 64 bits (RHH, RHL). */
let RLH = 0;
let RLL = 0;
let RHH = 0;
let RHL = 0;

function cityMurmur(at: number, len: number, ah: number, al: number, bh: number, bl: number): void {
  let ch: number;
  let cl: number;
  let dh: number;
  let dl: number;
  let l = len - 16;
  if (l <= 0) {
    mul(ah, al, K1H, K1L); // a = ShiftMix(a * k1) * k1
    shiftMix(H, L);
    mul(H, L, K1H, K1L);
    ah = H;
    al = L;
    mul(bh, bl, K1H, K1L); // c = b * k1 + HashLen0to16(s, len)
    const th = H;
    const tl = L;
    hashLen0to16(at, len);
    add(th, tl, H, L);
    ch = H;
    cl = L;
    if (len >= 8) fetch64(at);
    else {
      set(ch, cl);
    }
    add(ah, al, H, L); // d = ShiftMix(a + (len >= 8 ? Fetch64(s) : c))
    shiftMix(H, L);
    dh = H;
    dl = L;
  } else {
    fetch64(at + len - 8); // c = HashLen16(Fetch64(s + len - 8) + k1, a)
    add(H, L, K1H, K1L);
    hashLen16(H, L, ah, al);
    ch = H;
    cl = L;
    fetch64(at + len - 16); // d = HashLen16(b + len, c + Fetch64(s + len - 16))
    add(ch, cl, H, L);
    const th = H;
    const tl = L;
    add(bh, bl, 0, len);
    hashLen16(H, L, th, tl);
    dh = H;
    dl = L;
    add(ah, al, dh, dl); // a += d
    ah = H;
    al = L;
    do {
      fetch64(at); // a ^= ShiftMix(Fetch64(s) * k1) * k1; a *= k1; b ^= a
      mul(H, L, K1H, K1L);
      shiftMix(H, L);
      mul(H, L, K1H, K1L);
      mul((ah ^ H) >>> 0, (al ^ L) >>> 0, K1H, K1L);
      ah = H;
      al = L;
      bh = (bh ^ ah) >>> 0;
      bl = (bl ^ al) >>> 0;
      fetch64(at + 8); // c ^= ShiftMix(Fetch64(s + 8) * k1) * k1; c *= k1; d ^= c
      mul(H, L, K1H, K1L);
      shiftMix(H, L);
      mul(H, L, K1H, K1L);
      mul((ch ^ H) >>> 0, (cl ^ L) >>> 0, K1H, K1L);
      ch = H;
      cl = L;
      dh = (dh ^ ch) >>> 0;
      dl = (dl ^ cl) >>> 0;
      at += 16;
      l -= 16;
    } while (l > 0);
  }
  hashLen16(ah, al, ch, cl); // a = HashLen16(a, c)
  ah = H;
  al = L;
  hashLen16(dh, dl, bh, bl); // b = HashLen16(d, b)
  bh = H;
  bl = L;
  RLH = (ah ^ bh) >>> 0;
  RLL = (al ^ bl) >>> 0;
  hashLen16(bh, bl, ah, al);
  RHH = H;
  RHL = L;
}

function cityHash128WithSeed(at: number, len: number, xh: number, xl: number, yh: number, yl: number): void {
  if (len < 128) {
    cityMurmur(at, len, xh, xl, yh, yl);
    return;
  }
  mul(0, len, K1H, K1L); // z = len * k1
  let zh = H;
  let zl = L;
  rotate((yh ^ K1H) >>> 0, (yl ^ K1L) >>> 0, 49); // v.first = Rotate(y ^ k1, 49) * k1 + Fetch64(s)
  mul(H, L, K1H, K1L);
  let th = H;
  let tl = L;
  fetch64(at);
  add(th, tl, H, L);
  let v1h = H;
  let v1l = L;
  rotate(v1h, v1l, 42); // v.second = Rotate(v.first, 42) * k1 + Fetch64(s + 8)
  mul(H, L, K1H, K1L);
  th = H;
  tl = L;
  fetch64(at + 8);
  add(th, tl, H, L);
  let v2h = H;
  let v2l = L;
  add(yh, yl, zh, zl); // w.first = Rotate(y + z, 35) * k1 + x
  rotate(H, L, 35);
  mul(H, L, K1H, K1L);
  add(H, L, xh, xl);
  let w1h = H;
  let w1l = L;
  fetch64(at + 88); // w.second = Rotate(x + Fetch64(s + 88), 53) * k1
  add(xh, xl, H, L);
  rotate(H, L, 53);
  mul(H, L, K1H, K1L);
  let w2h = H;
  let w2l = L;
  // The inner loop over 64-byte chunks (the original runs it twice per 128 bytes).
  do {
    for (let half = 0; half < 2; half++) {
      add(xh, xl, yh, yl); // x = Rotate(x + y + v.first + Fetch64(s + 16), 37) * k1
      add(H, L, v1h, v1l);
      th = H;
      tl = L;
      fetch64(at + 16);
      add(th, tl, H, L);
      rotate(H, L, 37);
      mul(H, L, K1H, K1L);
      xh = H;
      xl = L;
      add(yh, yl, v2h, v2l); // y = Rotate(y + v.second + Fetch64(s + 48), 42) * k1
      th = H;
      tl = L;
      fetch64(at + 48);
      add(th, tl, H, L);
      rotate(H, L, 42);
      mul(H, L, K1H, K1L);
      yh = H;
      yl = L;
      xh = (xh ^ w2h) >>> 0; // x ^= w.second
      xl = (xl ^ w2l) >>> 0;
      yh = (yh ^ v1h) >>> 0; // y ^= v.first
      yl = (yl ^ v1l) >>> 0;
      rotate((zh ^ w1h) >>> 0, (zl ^ w1l) >>> 0, 33); // z = Rotate(z ^ w.first, 33)
      zh = H;
      zl = L;
      mul(v2h, v2l, K1H, K1L); // v = WeakHashLen32WithSeeds(s, v.second * k1, x + w.first)
      th = H;
      tl = L;
      add(xh, xl, w1h, w1l);
      weakHashLen32WithSeeds(at, th, tl, H, L);
      v1h = P1H;
      v1l = P1L;
      v2h = P2H;
      v2l = P2L;
      add(zh, zl, w2h, w2l); // w = WeakHashLen32WithSeeds(s + 32, z + w.second, y)
      weakHashLen32WithSeeds(at + 32, H, L, yh, yl);
      w1h = P1H;
      w1l = P1L;
      w2h = P2H;
      w2l = P2L;
      th = zh; // swap(z, x)
      tl = zl;
      zh = xh;
      zl = xl;
      xh = th;
      xl = tl;
      at += 64;
    }
    len -= 128;
  } while (len >= 128);
  rotate(w1h, w1l, 37); // y += Rotate(w.first, 37) * k0 + z
  mul(H, L, K0H, K0L);
  add(H, L, zh, zl);
  add(yh, yl, H, L);
  yh = H;
  yl = L;
  add(v1h, v1l, zh, zl); // x += Rotate(v.first + z, 49) * k0
  rotate(H, L, 49);
  mul(H, L, K0H, K0L);
  add(xh, xl, H, L);
  xh = H;
  xl = L;
  // Up to four 32-byte chunks from the end of the input (they may overlap bytes already hashed).
  for (let tailDone = 0; tailDone < len;) {
    tailDone += 32;
    sub(yh, yl, xh, xl); // y = Rotate(y - x, 42) * k0 + v.second
    rotate(H, L, 42);
    mul(H, L, K0H, K0L);
    add(H, L, v2h, v2l);
    yh = H;
    yl = L;
    fetch64(at + len - tailDone + 16); // w.first += Fetch64(s + len - tail_done + 16)
    add(w1h, w1l, H, L);
    w1h = H;
    w1l = L;
    rotate(xh, xl, 49); // x = Rotate(x, 49) * k0 + w.first
    mul(H, L, K0H, K0L);
    add(H, L, w1h, w1l);
    xh = H;
    xl = L;
    add(w1h, w1l, v1h, v1l); // w.first += v.first
    w1h = H;
    w1l = L;
    weakHashLen32WithSeeds(at + len - tailDone, v1h, v1l, v2h, v2l);
    v1h = P1H;
    v1l = P1L;
    v2h = P2H;
    v2l = P2L;
  }
  hashLen16(xh, xl, v1h, v1l); // x = HashLen16(x, v.first)
  xh = H;
  xl = L;
  hashLen16(yh, yl, w1h, w1l); // y = HashLen16(y, w.first)
  yh = H;
  yl = L;
  add(xh, xl, v2h, v2l); // low = HashLen16(x + v.second, w.second) + y
  hashLen16(H, L, w2h, w2l);
  add(H, L, yh, yl);
  RLH = H;
  RLL = L;
  add(xh, xl, w2h, w2l); // high = HashLen16(x + w.second, y + v.second)
  th = H;
  tl = L;
  add(yh, yl, v2h, v2l);
  hashLen16(th, tl, H, L);
  RHH = H;
  RHL = L;
}

/**
 * CityHash128 (v1.0.2) of `bytes`, as the 16 bytes ClickHouse stores in front of a compressed block:
 * the low 64 bits, then the high 64 bits, each little-endian.
 */
export function cityHash128(bytes: Uint8Array): Buffer {
  setView(bytes);
  try {
    const len = bytes.length;
    if (len >= 16) {
      fetch64(0);
      const sh = (H ^ K3H) >>> 0;
      const sl = (L ^ K3L) >>> 0;
      fetch64(8);
      cityHash128WithSeed(16, len - 16, sh, sl, H, L);
    } else if (len >= 8) {
      mul(0, len, K0H, K0L);
      const mh = H;
      const ml = L;
      fetch64(0);
      const sh = (H ^ mh) >>> 0;
      const sl = (L ^ ml) >>> 0;
      fetch64(len - 8);
      cityHash128WithSeed(0, 0, sh, sl, (H ^ K1H) >>> 0, (L ^ K1L) >>> 0);
    } else cityHash128WithSeed(0, len, K0H, K0L, K1H, K1L);
  } finally {
    clearView(); // the caller's memory is not kept alive here
  }
  const out = Buffer.alloc(16);
  out.writeUInt32LE(RLL, 0);
  out.writeUInt32LE(RLH, 4);
  out.writeUInt32LE(RHL, 8);
  out.writeUInt32LE(RHH, 12);
  return out;
}
