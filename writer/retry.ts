/**
 * The writer's one retry policy: retryable failures are retried with full-jitter backoff for as long
 * as the work is still ours (`stillOwned` throws Abandoned otherwise); permanent failures are thrown
 * to the caller, which dead-letters the data. Warnings are logged on the first attempt and every
 * tenth, so an outage is visible without flooding the log.
 */
import type { Logger } from '../core/log.js';
import { backoffMs, classifyClickHouseError } from './errors.js';
import type { WriterMetrics } from './metrics.js';

/** Thrown when the partition was lost or the writer stops: the work is dropped, not failed. */
export class Abandoned extends Error {
  constructor(reason: string) {
    super(`batch abandoned: ${reason}`);
    this.name = 'Abandoned';
  }
}

export interface RetryDeps {
  readonly metrics: WriterMetrics;
  readonly log: Logger;
  /** Throws Abandoned when the work is no longer ours. */
  readonly stillOwned: () => void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function withRetry<T>(
  what: string,
  deps: RetryDeps,
  operation: () => Promise<T>,
  options: {
    onSchemaError?: () => void;
    classify?: (err: unknown) => 'retryable' | 'permanent' | 'schema';
  } = {},
): Promise<T> {
  const classify = options.classify ?? classifyClickHouseError;
  for (let attempt = 0; ; attempt++) {
    deps.stillOwned();
    try {
      return await operation();
    } catch (err) {
      if (err instanceof Abandoned) throw err;
      const kind = classify(err);
      if (kind === 'permanent') throw err;
      if (kind === 'schema') options.onSchemaError?.();
      deps.metrics.retries.inc({ kind: what });
      const wait = backoffMs(attempt);
      if (attempt === 0 || attempt % 10 === 0)
        deps.log.warn(`${what} failed; retrying`, { err, attempt, waitMs: Math.round(wait) });
      await sleep(wait);
    }
  }
}
