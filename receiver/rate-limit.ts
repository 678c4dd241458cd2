/**
 * Per-API-key rate limits as token buckets: a key may send `burst` units at once and `rate` units
 * per second on average. The receiver keeps three: requests and bytes (checked on admission, before
 * a body is read or validated: the cheap rejections first) and items (spans, data points, log
 * records; known only after validation). Requests over a limit are refused whole (429 /
 * RESOURCE_EXHAUSTED with Retry-After), never partly accepted. Buckets exist per configured key
 * (plus one for unauthenticated traffic), so their number is bounded by the config.
 */
import { TributaryError } from '../core/errors.js';

export interface RateLimiter {
  /** Takes `amount` from the key's bucket or throws RATE_LIMITED. */
  take(keyId: string | undefined, amount: number): void;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export interface RateLimitOptions {
  /** What is counted, for messages: "items", "requests", "bytes". */
  readonly unit?: string;
  /** The config key of the burst, named when a single request exceeds it. */
  readonly burstKey?: string;
  readonly now?: () => number;
}

export function createRateLimiter(
  perSecond: number,
  burst: number,
  nowOrOptions: (() => number) | RateLimitOptions = {},
): RateLimiter {
  const options: RateLimitOptions = typeof nowOrOptions === 'function' ? { now: nowOrOptions } : nowOrOptions;
  const now = options.now ?? (() => performance.now());
  const unit = options.unit ?? 'items';
  const burstKey = options.burstKey ?? 'receiver.rateLimitBurstItems';
  if (perSecond <= 0) return { take: () => undefined };
  const capacity = burst > 0 ? burst : Math.max(perSecond, 10_000);
  const buckets = new Map<string, Bucket>();
  return {
    take(keyId, amount) {
      const id = keyId ?? '(anonymous)';
      const at = now();
      let bucket = buckets.get(id);
      if (!bucket) {
        bucket = { tokens: capacity, updatedAt: at };
        buckets.set(id, bucket);
      }
      bucket.tokens = Math.min(capacity, bucket.tokens + ((at - bucket.updatedAt) / 1000) * perSecond);
      bucket.updatedAt = at;
      if (amount > capacity)
        throw new TributaryError(
          'PAYLOAD_TOO_LARGE',
          `request of ${amount} ${unit} exceeds the rate-limit burst of ${capacity} ${unit} (${burstKey}); send smaller requests`,
        );
      if (amount > bucket.tokens)
        throw new TributaryError(
          'RATE_LIMITED',
          `rate limit of ${perSecond} ${unit}/s exceeded for this API key; retry later`,
        );
      bucket.tokens -= amount;
    },
  };
}
