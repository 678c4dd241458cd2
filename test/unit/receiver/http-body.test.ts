/**
 * The HTTP body pool: bodies of a pooled size class reuse the same memory once given back, nothing
 * else is kept, and the idle total stays under its cap; readBody fills a pooled buffer and never
 * shows bytes of an earlier body.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { ByteBudget } from '../../../receiver/admission.js';
import { BodyPool, readBody } from '../../../receiver/http-body.js';

test('a body buffer given back is reused by the next body of its size class', () => {
  const pool = new BodyPool(1024 * 1024);
  const first = pool.take(180_000);
  assert.equal(first.length, 180_000);
  assert.equal(first.buffer.byteLength, 256 * 1024);
  pool.give(first);
  assert.equal(pool.idleBytes, 256 * 1024);
  const second = pool.take(200_000);
  assert.equal(second.buffer, first.buffer, 'same memory');
  assert.equal(second.length, 200_000);
  assert.equal(pool.idleBytes, 0);
  assert.notEqual(pool.take(180_000).buffer, first.buffer, 'taken once only');
});

test('small, huge and foreign buffers are not kept; the idle total stays under the cap', () => {
  const pool = new BodyPool(512 * 1024);
  const small = pool.take(1000);
  const huge = pool.take(5 * 1024 * 1024);
  pool.give(small);
  pool.give(huge);
  pool.give(Buffer.alloc(100_000)); // not from the pool: an odd-sized ArrayBuffer
  pool.give(pool.take(100_000).subarray(10)); // a view not at the start of its memory
  assert.equal(pool.idleBytes, 0);
  const taken = [pool.take(300_000), pool.take(300_000), pool.take(300_000)];
  for (const buffer of taken) pool.give(buffer);
  assert.equal(pool.idleBytes, 512 * 1024, 'one 512 KiB buffer kept, the others dropped');
});

test('readBody fills a pooled buffer and shows only this body', async () => {
  const pool = new BodyPool(1024 * 1024);
  const budget = new ByteBudget(10 * 1024 * 1024);
  const earlier = pool.take(100_000);
  earlier.fill(0xee);
  pool.give(earlier);
  const body = Buffer.alloc(70_000, 0x61);
  const chunks = [body.subarray(0, 30_000), body.subarray(30_000)];
  const lease = budget.open();
  const read = await readBody(Readable.from(chunks), 16 * 1024 * 1024, lease, pool, body.length);
  assert.equal(read.buffer, earlier.buffer, 'the pooled memory');
  assert.deepEqual(read, body);
  assert.equal(lease.bytes, body.length);
  // Declared longer than sent: only what arrived is the body.
  const short = await readBody(Readable.from([body.subarray(0, 10)]), 1 << 24, budget.open(), pool, 80_000);
  assert.equal(short.length, 10);
  await assert.rejects(
    readBody(Readable.from([body]), 1 << 24, budget.open(), pool, 1000),
    /exceeds 1000 bytes/,
  );
});
