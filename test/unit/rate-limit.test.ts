/** Per-key token buckets: burst, refill over time, separate keys, and requests larger than a burst. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TributaryError } from '../../core/errors.js';
import { createRateLimiter } from '../../receiver/rate-limit.js';

const code = (run: () => void): string | undefined => {
  try {
    run();
    return undefined;
  } catch (err) {
    return err instanceof TributaryError ? err.code : 'other';
  }
};

test('a key gets its burst, then RATE_LIMITED until the bucket refills', () => {
  let now = 0;
  const limiter = createRateLimiter(1_000, 2_000, () => now);
  assert.equal(
    code(() => limiter.take('a', 1_500)),
    undefined,
  );
  assert.equal(
    code(() => limiter.take('a', 600)),
    'RATE_LIMITED',
  );
  assert.equal(
    code(() => limiter.take('b', 2_000)),
    undefined,
    'another key has its own bucket',
  );
  now += 100; // +100 tokens: 600 now fits
  assert.equal(
    code(() => limiter.take('a', 600)),
    undefined,
  );
  assert.equal(
    code(() => limiter.take('a', 1)),
    'RATE_LIMITED',
  );
  now += 60_000; // refills up to the burst, never beyond
  assert.equal(
    code(() => limiter.take('a', 2_000)),
    undefined,
  );
  assert.equal(
    code(() => limiter.take('a', 1)),
    'RATE_LIMITED',
  );
});

test('a request larger than the burst is refused as too large, not as retryable', () => {
  const limiter = createRateLimiter(100, 500, () => 0);
  assert.equal(
    code(() => limiter.take(undefined, 501)),
    'PAYLOAD_TOO_LARGE',
  );
});

test('rate 0 means no limit', () => {
  const limiter = createRateLimiter(0, 0, () => 0);
  for (let i = 0; i < 100; i++)
    assert.equal(
      code(() => limiter.take('a', 1e9)),
      undefined,
    );
});
