import type { Logger } from './log.js';

export type StopFn = () => Promise<void>;

/**
 * Runs `stop` once on SIGINT/SIGTERM; a second signal, or the deadline passing, exits at once so a
 * stuck dependency can never keep the process alive forever.
 */
export function stopOnSignals(stop: StopFn, log: Logger, deadlineMs: number): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log.warn('second signal: exiting now', { signal });
      process.exit(130);
    }
    stopping = true;
    log.info('stopping', { signal, deadlineMs });
    const timer = setTimeout(() => {
      log.error('shutdown deadline passed: exiting', { deadlineMs });
      process.exit(1);
    }, deadlineMs);
    timer.unref();
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error('shutdown failed', { err });
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}
