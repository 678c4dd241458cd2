/**
 * Per-API-key rate limits on items (spans, data points, log records), as token buckets: a key may
 * send `burst` items at once and `rate` items per second on average. Requests over the limit are
 * refused whole (429 / RESOURCE_EXHAUSTED with Retry-After), never partly accepted. Buckets exist per
 * configured key (plus one for unauthenticated traffic), so their number is bounded by the config.
 */
import { TributaryError } from '../core/errors.js';

export interface RateLimiter {
  /** Takes `items` from the key's bucket or throws RATE_LIMITED. */
  take(keyId: string | undefined, items: number): void;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export function createRateLimiter(
  itemsPerSecond: number,
  burstItems: number,
  now: () => number = () => performance.now(),
): RateLimiter {
  if (itemsPerSecond <= 0) return { take: () => undefined };
  const capacity = burstItems > 0 ? burstItems : Math.max(itemsPerSecond, 10_000);
  const buckets = new Map<string, Bucket>();
  return {
    take(keyId, items) {
      const id = keyId ?? '(anonymous)';
      const at = now();
      let bucket = buckets.get(id);
      if (!bucket) {
        bucket = { tokens: capacity, updatedAt: at };
        buckets.set(id, bucket);
      }
      bucket.tokens = Math.min(capacity, bucket.tokens + ((at - bucket.updatedAt) / 1000) * itemsPerSecond);
      bucket.updatedAt = at;
      if (items > capacity)
        throw new TributaryError(
          'PAYLOAD_TOO_LARGE',
          `request of ${items} items exceeds the rate-limit burst of ${capacity} items (receiver.rateLimitBurstItems); send smaller requests`,
        );
      if (items > bucket.tokens)
        throw new TributaryError(
          'RATE_LIMITED',
          `rate limit of ${itemsPerSecond} items/s exceeded for this API key; retry later`,
        );
      bucket.tokens -= items;
    },
  };
}
