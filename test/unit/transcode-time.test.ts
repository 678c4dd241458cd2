import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ByteWriter } from '../../writer/rowbinary.js';
import { Clamp, Time, dayOf, dayOfBigInt, writeDuration, writeTime } from '../../writer/transcode/time.js';
import { seededRandom } from '../fixtures/generate.js';

const NS_PER_DAY = 86_400_000_000_000n;

function times(): bigint[] {
  const r = seededRandom(42);
  const word = (): bigint => BigInt(Math.floor(r() * 2 ** 32));
  const out = [
    0n,
    1n,
    NS_PER_DAY - 1n,
    NS_PER_DAY,
    (1n << 64n) - 1n,
    (1n << 62n) + 999_999_999n,
    1_795_000_000_123_456_789n,
  ];
  for (let i = 0; i < 20_000; i++) out.push((word() << 32n) | word());
  for (let i = 0; i < 20_000; i++)
    out.push(BigInt(Math.floor(r() * 2 ** 31)) * 1_000_000_000n + BigInt(Math.floor(r() * 3)) - 1n);
  return out.filter((t) => t >= 0n && t < 1n << 64n);
}

function timeOf(ns: bigint): Time {
  const t = new Time();
  t.hi = Number(ns >> 32n);
  t.lo = Number(ns & 0xffffffffn);
  return t;
}

test('seconds, days and durations from uint32 words equal BigInt arithmetic', () => {
  const all = times();
  for (const [i, ns] of all.entries()) {
    const t = timeOf(ns);
    assert.equal(dayOf(t), Number(ns / NS_PER_DAY), `day of ${ns}`);
    assert.equal(dayOfBigInt(ns), Number(ns / NS_PER_DAY));
    const out = new ByteWriter(16);
    writeTime(out, t, { kind: 'seconds' });
    const expected = new ByteWriter(16);
    expected.u32(Number(ns / 1_000_000_000n));
    assert.deepEqual(out.bytes(), expected.bytes(), `seconds of ${ns}`);
    const other = all[(i * 7919) % all.length]!;
    const duration = new ByteWriter(16);
    writeDuration(duration, t, timeOf(other));
    const wanted = new ByteWriter(16);
    wanted.u64(other > ns ? other - ns : 0n);
    assert.deepEqual(duration.bytes(), wanted.bytes(), `duration ${ns} → ${other}`);
  }
  assert.equal(dayOfBigInt(-1n), -1);
});

test('a clamp is not called inside its keep window, and is called outside it', () => {
  const seen: bigint[] = [];
  const clamp = new Clamp({
    clampNs: (ns) => (seen.push(ns), 5n),
    keepFromNs: 100n,
    keepToNs: (1n << 40n) + 7n,
  });
  for (const ns of [100n, 101n, 1n << 33n, (1n << 40n) + 7n]) {
    const t = timeOf(ns);
    clamp.apply(t);
    assert.equal(t.big, null, String(ns));
  }
  for (const ns of [0n, 99n, (1n << 40n) + 8n, (1n << 64n) - 1n]) {
    const t = timeOf(ns);
    clamp.apply(t);
    assert.equal(t.big, 5n);
  }
  assert.deepEqual(seen, [0n, 99n, (1n << 40n) + 8n, (1n << 64n) - 1n]);
});
