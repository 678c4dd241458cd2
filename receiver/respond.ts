/** How a failure is told to an OTLP client, shared by both transports. */
import { TributaryError, errorMessage, isTributaryError } from '../core/errors.js';
import type { Logger } from '../core/log.js';

/** Seconds a client should wait before retrying a retryable failure. */
export const RETRY_AFTER_SECONDS: Partial<Record<TributaryError['code'], number>> = {
  OVERLOADED: 1,
  RATE_LIMITED: 1,
  KAFKA_UNAVAILABLE: 5,
  SHUTTING_DOWN: 1,
};

/** Any thrown value as a TributaryError; unknown errors are logged as bugs and answered as INTERNAL. */
export function asTributaryError(err: unknown, log: Logger): TributaryError {
  if (isTributaryError(err)) return err;
  log.error('unexpected error', { err });
  return new TributaryError('INTERNAL', `internal error: ${errorMessage(err)}`, { cause: err });
}
