import type { Logger } from './log.js';

export type StopFn = () => Promise<void>;

/**
 * Signals that arrive this soon after the first are the same request delivered twice (a terminal's
 * Ctrl-C reaches the whole process group while a supervisor such as `dev` forwards SIGTERM too), not
 * an operator insisting: they must not cut the graceful stop short.
 */
export const DUPLICATE_SIGNAL_MS = 2_000;

/**
 * Runs `stop` once on SIGINT/SIGTERM. A later signal (beyond DUPLICATE_SIGNAL_MS), or the deadline
 * passing, exits at once so a stuck dependency can never keep the process alive forever.
 */
export function stopOnSignals(stop: StopFn, log: Logger, deadlineMs: number): void {
  let firstAt: number | undefined;
  const handler = (signal: NodeJS.Signals): void => {
    if (firstAt !== undefined) {
      if (Date.now() - firstAt < DUPLICATE_SIGNAL_MS) {
        log.debug('already stopping', { signal });
        return;
      }
      log.warn('second signal: exiting now', { signal });
      process.exit(130);
    }
    firstAt = Date.now();
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
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  // A supervised child (`dev` runs its receiver, writer and local ClickHouse in their own process
  // groups, with an IPC channel) stops when its parent is gone, however the parent died: a closed
  // terminal or kill -9 of `dev` must not leave orphans holding ports.
  if (process.channel) {
    process.channel.unref();
    process.once('disconnect', () => handler('SIGTERM'));
  }
}
