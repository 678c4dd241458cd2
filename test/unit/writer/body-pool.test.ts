/**
 * writer/body-pool.ts on core/buffer-pool.ts, and ByteWriter's pooled buffers: large buffers are
 * kept within the bound (the larger ones first), handed out smallest-fitting, small ones never kept;
 * a table's body starts at its last size; a writer on the pool starts in given-back memory and writes
 * its own bytes over what was there.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BodySizes, MIN_POOLED_BYTES, bodyBufferPool } from '../../../writer/body-pool.js';
import { ByteWriter } from '../../../writer/rowbinary.js';

const MiB = 1 << 20;

test('take hands out the smallest idle memory that fits, or new memory', () => {
  const pool = bodyBufferPool(64 * MiB);
  const four = Buffer.allocUnsafe(4 * MiB);
  const two = Buffer.allocUnsafe(2 * MiB);
  pool.give(four);
  pool.give(two);
  assert.equal(pool.idleBytes, 6 * MiB);
  const eight = pool.take(8 * MiB);
  assert.notEqual(eight.buffer, two.buffer);
  assert.notEqual(eight.buffer, four.buffer);
  assert.equal(pool.take(MiB).buffer, two.buffer);
  assert.equal(pool.take(MiB).buffer, four.buffer);
  assert.equal(pool.take(1).length, 1, 'not pooled: a plain allocation');
  assert.equal(pool.idleBytes, 0);
});

test('small buffers are not kept; a full pool keeps the larger buffers', () => {
  const pool = bodyBufferPool(8 * MiB);
  pool.give(Buffer.allocUnsafe(MIN_POOLED_BYTES - 1));
  assert.equal(pool.idleBytes, 0);
  pool.give(Buffer.allocUnsafe(2 * MiB));
  pool.give(Buffer.allocUnsafe(2 * MiB));
  pool.give(Buffer.allocUnsafe(4 * MiB));
  assert.equal(pool.idleBytes, 8 * MiB);
  // Room for 8 MiB only: the smaller buffers make way for it.
  const eight = Buffer.allocUnsafe(8 * MiB);
  pool.give(eight);
  assert.equal(pool.idleBytes, 8 * MiB);
  assert.equal(pool.take(MiB).buffer, eight.buffer);
  // A buffer larger than the whole bound is dropped, not kept.
  pool.give(Buffer.allocUnsafe(16 * MiB));
  assert.equal(pool.idleBytes, 0);
});

test('a table body starts at its last length (a power of two), the first one at the given size', () => {
  const sizes = new BodySizes();
  assert.equal(sizes.startSize('otel_traces', 16 * MiB), 16 * MiB);
  assert.equal(sizes.startSize('otel_traces', 1 << 30), 32 * MiB, 'a huge budget is capped');
  sizes.noteLength('otel_traces', 5 * MiB + 3);
  assert.equal(sizes.startSize('otel_traces', 16 * MiB), 8 * MiB);
  sizes.noteLength('otel_traces', 10);
  assert.equal(
    sizes.startSize('otel_traces', 16 * MiB),
    MIN_POOLED_BYTES,
    'small bodies still start in pooled memory',
  );
});

test('a writer on the pool reuses a given-back buffer and writes its own bytes over it', () => {
  const pool = bodyBufferPool(64 * MiB);
  const first = new ByteWriter(2 * MiB, pool);
  for (let i = 0; i < 1000; i++) first.string(`row ${i} of the first batch`);
  const firstBuffer = first.bytes().buffer;
  first.release();
  assert.equal(pool.idleBytes, 2 * MiB);
  assert.equal(first.length, 0);

  const second = new ByteWriter(2 * MiB, pool);
  second.string('other');
  second.u32(7);
  assert.equal(second.bytes().buffer, firstBuffer, 'the given-back buffer is reused');
  assert.equal(pool.idleBytes, 0);
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
