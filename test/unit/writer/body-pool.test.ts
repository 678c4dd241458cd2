/**
 * writer/body-pool.ts and ByteWriter's pooled buffers: large buffers are kept within the bound
 * (the larger ones first), handed out smallest-fitting, small ones never kept; a writer on the pool
 * starts in a given-back buffer and writes its own bytes over what was there.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BodyPool, MIN_POOLED_BYTES } from '../../../writer/body-pool.js';
import { ByteWriter } from '../../../writer/rowbinary.js';

const MiB = 1 << 20;

test('take hands out the smallest free buffer that fits, or nothing', () => {
  const pool = new BodyPool(64 * MiB);
  const four = Buffer.allocUnsafe(4 * MiB);
  const two = Buffer.allocUnsafe(2 * MiB);
  pool.give(four);
  pool.give(two);
  assert.equal(pool.heldBytes, 6 * MiB);
  assert.equal(pool.take(8 * MiB), undefined);
  assert.equal(pool.take(MiB), two);
  assert.equal(pool.take(MiB), four);
  assert.equal(pool.take(1), undefined);
  assert.equal(pool.heldBytes, 0);
});

test('small buffers are not kept; a full pool keeps the larger buffers', () => {
  const pool = new BodyPool(8 * MiB);
  pool.give(Buffer.allocUnsafe(MIN_POOLED_BYTES - 1));
  assert.equal(pool.heldBytes, 0);
  pool.give(Buffer.allocUnsafe(2 * MiB));
  pool.give(Buffer.allocUnsafe(2 * MiB));
  pool.give(Buffer.allocUnsafe(4 * MiB));
  assert.equal(pool.heldBytes, 8 * MiB);
  // Room for 8 MiB only: the two 2 MiB buffers make way for it.
  const eight = Buffer.allocUnsafe(8 * MiB);
  pool.give(eight);
  assert.equal(pool.heldBytes, 8 * MiB);
  assert.equal(pool.take(MiB), eight);
  // A buffer larger than the whole bound is dropped, not kept.
  pool.give(Buffer.allocUnsafe(16 * MiB));
  assert.equal(pool.heldBytes, 0);
});

test('a table body starts at its last length (a power of two), the first one at the given size', () => {
  const pool = new BodyPool(64 * MiB);
  assert.equal(pool.startSize('otel_traces', 16 * MiB), 16 * MiB);
  assert.equal(pool.startSize('otel_traces', 1 << 30), 32 * MiB, 'a huge budget is capped');
  pool.noteLength('otel_traces', 5 * MiB + 3);
  assert.equal(pool.startSize('otel_traces', 16 * MiB), 8 * MiB);
  pool.noteLength('otel_traces', 10);
  assert.equal(pool.startSize('otel_traces', 16 * MiB), 1 << 16);
});

test('a writer on the pool reuses a given-back buffer and writes its own bytes over it', () => {
  const pool = new BodyPool(64 * MiB);
  const first = new ByteWriter(2 * MiB, pool);
  for (let i = 0; i < 1000; i++) first.string(`row ${i} of the first batch`);
  const firstBuffer = first.bytes().buffer;
  first.release();
  assert.equal(pool.heldBytes, 2 * MiB);
  assert.equal(first.length, 0);

  const second = new ByteWriter(1 << 16, pool);
  second.string('other');
  second.u32(7);
  assert.equal(second.bytes().buffer, firstBuffer, 'the given-back buffer is reused');
  assert.equal(pool.heldBytes, 0);
  assert.deepEqual([...second.bytes()], [5, ...Buffer.from('other'), 7, 0, 0, 0]);

  // Growing past a pooled buffer takes a larger one (or allocates) and keeps the bytes.
  const grown = new ByteWriter(16, pool);
  const text = 'x'.repeat(100);
  for (let i = 0; i < 50; i++) grown.string(text);
  assert.equal(grown.length, 50 * 101);
  assert.equal(
    grown
      .bytes()
      .subarray(101 * 49 + 1)
      .toString(),
    text,
  );
});
