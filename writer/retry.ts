/**
 * The writer's use of the retry policy (core/retry.ts) for ClickHouse work: retryable failures are
 * retried for as long as the work is still ours (`stillOwned` throws Abandoned otherwise); permanent
 * failures are thrown to the caller, which dead-letters the data.
 */
import type { Logger } from '../core/log.js';
import { retryTransient } from '../core/retry.js';
import { classifyClickHouseError } from './errors.js';
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
  return retryTransient(what, operation, {
    log: deps.log,
    beforeAttempt: deps.stillOwned,
    onRetry: () => deps.metrics.retries.inc({ kind: what }),
    retryable: (err) => {
      if (err instanceof Abandoned) return false;
      const kind = classify(err);
      if (kind === 'schema') options.onSchemaError?.();
      return kind !== 'permanent';
    },
  });
}
