/**
 * Crash points, for tests of a fault no real component produces on demand: a writer dying between
 * two inserts of one batch (a metrics batch inserted into some of its five tables, not all).
 * `TRIBUTARY_TEST_CRASH_AFTER=<point>:<n>` makes the process kill itself with SIGKILL — a real crash, no
 * cleanup — the n-th time it passes <point>. Without the variable (production) a pass is one
 * comparison. The variable is read once, so it cannot be switched on later by anything but a restart.
 */
const [armedPoint, armedCount] = (process.env['TRIBUTARY_TEST_CRASH_AFTER'] ?? '').split(':');
let remaining = Number(armedCount ?? 0);

export function crashPoint(point: string): void {
  if (point !== armedPoint) return;
  remaining -= 1;
  if (remaining === 0) process.kill(process.pid, 'SIGKILL');
}
