/**
 * Bodies are cut at the partition days of the server's time zone (writer/transcode/partition-day.ts):
 * a row's day is the day ClickHouse's toDate(<time>) gives on that server.
 */
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { Time, dayOf, dayOfBigInt } from '../../../../writer/transcode/time.js';
import { setPartitionTimeZone } from '../../../../writer/transcode/partition-day.js';

const day = (iso: string): number => Math.floor(Date.parse(`${iso}T00:00:00Z`) / 86_400_000);
const ns = (iso: string): bigint => BigInt(Date.parse(iso)) * 1_000_000n;
function time(iso: string): Time {
  const t = new Time();
  const v = ns(iso);
  t.lo = Number(v & 0xffffffffn);
  t.hi = Number(v >> 32n);
  return t;
}

afterEach(() => setPartitionTimeZone('UTC'));

test('a UTC server: UTC days, as before', () => {
  assert.equal(dayOf(time('2026-11-18T23:30:00Z')), day('2026-11-18'));
  assert.equal(dayOfBigInt(ns('2026-11-19T00:00:00Z')), day('2026-11-19'));
});

test('Europe/Berlin: 23:30 UTC is the next day there, summer and winter', () => {
  setPartitionTimeZone('Europe/Berlin');
  assert.equal(dayOf(time('2026-11-18T22:59:59Z')), day('2026-11-18')); // 23:59:59 CET
  assert.equal(dayOf(time('2026-11-18T23:00:00Z')), day('2026-11-19')); // 00:00 CET
  assert.equal(dayOf(time('2026-07-01T21:59:59Z')), day('2026-07-01')); // 23:59:59 CEST
  assert.equal(dayOfBigInt(ns('2026-07-01T22:00:00Z')), day('2026-07-02')); // 00:00 CEST
});

test('America/New_York across the autumn change of offset; Asia/Kolkata with a half hour', () => {
  setPartitionTimeZone('America/New_York');
  assert.equal(dayOf(time('2026-11-01T03:59:59Z')), day('2026-10-31')); // 23:59:59 EDT
  assert.equal(dayOf(time('2026-11-01T04:00:00Z')), day('2026-11-01')); // 00:00 EDT
  assert.equal(dayOf(time('2026-11-02T04:59:59Z')), day('2026-11-01')); // 23:59:59 EST
  assert.equal(dayOf(time('2026-11-02T05:00:00Z')), day('2026-11-02'));
  setPartitionTimeZone('Asia/Kolkata');
  assert.equal(dayOf(time('2026-11-18T18:29:59Z')), day('2026-11-18'));
  assert.equal(dayOf(time('2026-11-18T18:30:00Z')), day('2026-11-19'));
});
