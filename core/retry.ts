/**
 * The one retry policy: full-jitter exponential backoff, and a loop that retries transient failures
 * until an operation succeeds, logging the first failure and every tenth after it. The writer's
 * ClickHouse retries (writer/retry.ts) and every "wait for Kafka or ClickHouse to come back" at
 * start-up use it.
 */
import type { Logger } from './log.js';

/** Full-jitter exponential backoff: 0..min(cap, base·2^attempt) ms. The cap is short so an outage's end is noticed within seconds. */
export function backoffMs(attempt: number, baseMs = 200, capMs = 5_000): number {
  return Math.random() * Math.min(capMs, baseMs * 2 ** Math.min(attempt, 20));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface RetryOptions {
  /** Whether a failure can pass by itself; others are thrown at once. */
  readonly retryable: (err: unknown) => boolean;
  readonly log?: Logger | undefined;
  /** Called before every attempt; throw to give up (e.g. the work is no longer ours). */
  readonly beforeAttempt?: () => void;
  /** Called after each transient failure (metrics). */
  readonly onRetry?: () => void;
}

/** Runs `operation` until it succeeds or fails with something `retryable` says will not pass. */
export async function retryTransient<T>(
  what: string,
  operation: () => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    options.beforeAttempt?.();
    try {
      return await operation();
    } catch (err) {
      if (!options.retryable(err)) throw err;
      options.onRetry?.();
      const wait = backoffMs(attempt);
      if (attempt % 10 === 0)
        options.log?.warn(`${what} failed; retrying`, { err, attempt, waitMs: Math.round(wait) });
      await sleep(wait);
    }
  }
}
