/**
 * Crash and freeze points, for tests of faults no real component produces on demand at a precise
 * moment: a writer dying between two inserts of one batch (a metrics batch inserted into some of its
 * five tables, not all), or a writer frozen between its checks and its insert.
 * `TRIBUTARY_TEST_CRASH_AFTER=<point>:<n>` makes the process kill itself with SIGKILL — a real crash,
 * no cleanup — the n-th time it passes <point>; `TRIBUTARY_TEST_STOP_AT=<point>:<n>` makes it stop
 * itself with SIGSTOP there (a real freeze: the test thaws it with SIGCONT). Without the variables
 * (production) a pass is one comparison. They are read once, so they cannot be switched on later by
 * anything but a restart.
 */
function armed(variable: string): { point: string | undefined; remaining: number } {
  const [point, count] = (process.env[variable] ?? '').split(':');
  return { point: point || undefined, remaining: Number(count ?? 0) };
}

const crash = armed('TRIBUTARY_TEST_CRASH_AFTER');
const freeze = armed('TRIBUTARY_TEST_STOP_AT');

export function crashPoint(point: string): void {
  if (point !== crash.point) return;
  crash.remaining -= 1;
  if (crash.remaining === 0) process.kill(process.pid, 'SIGKILL');
}

export function freezePoint(point: string): void {
  if (point !== freeze.point) return;
  freeze.remaining -= 1;
  if (freeze.remaining === 0) process.kill(process.pid, 'SIGSTOP');
}
