/**
 * A preload (`node --import <dist>/bench/lib/loop-gaps.js`, with LOOP_GAPS_FILE=<path>) that splits
 * the event loop's delays into what the process did and what the machine did. A 10 ms timer measures
 * each turn's delay (as Node's event-loop delay monitor does); for each delay it also reads how much
 * CPU the main thread used meanwhile (process.threadCpuUsage) and how long the main thread was ready
 * to run but waiting for a core (/proc/self/task/<pid>/schedstat, the kernel's run-queue time).
 *
 * - `ownMaxMs`: the largest main-thread CPU time inside one delay: the loop held by our own code or
 *   by V8 (GC) — what a machine of its own would also see. The bench's event-loop target is on it.
 * - `maxMs`: the largest delay as a client sees it, including waits for a core on a shared machine.
 * - `runQueueMs` of that largest delay: how much of it was waiting for a core.
 *
 * The summary (JSON) is rewritten every second and at exit. SIGUSR2 starts it afresh: the bench sends
 * it once the process is ready, so start-up (module loading, a second of synchronous work) is not
 * counted, as Node's own monitor is reset at readiness.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const file = process.env['LOOP_GAPS_FILE'];
const TICK_MS = 10;

function runQueueNs(): number {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[1]);
  } catch {
    return Number.NaN; // not Linux, or schedstat off
  }
}

function threadCpuMs(): number {
  const usage = process.threadCpuUsage();
  return (usage.user + usage.system) / 1000;
}

export interface LoopGaps {
  readonly ticks: number;
  /** Largest delay of one turn, wall clock. */
  readonly maxMs: number;
  /** Main-thread CPU and run-queue wait during that largest delay. */
  readonly maxOwnCpuMs: number;
  readonly maxRunQueueMs: number;
  /** Largest main-thread CPU time inside one delay (the loop held by the process itself). */
  readonly ownMaxMs: number;
  /** Delays over 50 ms, and how many of them had more than 50 ms of own CPU. */
  readonly over50: number;
  readonly ownOver50: number;
}

if (file) {
  const fresh = (): { -readonly [K in keyof LoopGaps]: LoopGaps[K] } => ({
    ticks: 0,
    maxMs: 0,
    maxOwnCpuMs: 0,
    maxRunQueueMs: 0,
    ownMaxMs: 0,
    over50: 0,
    ownOver50: 0,
  });
  let summary = fresh();
  let last = performance.now();
  let lastCpu = threadCpuMs();
  let lastQueue = runQueueNs();
  setInterval(() => {
    const now = performance.now();
    const cpu = threadCpuMs();
    const queue = runQueueNs();
    const delay = Math.max(0, now - last - TICK_MS);
    // The CPU of the tick's own period (up to TICK_MS of it was expected work) counts to the delay.
    const ownCpu = Math.min(cpu - lastCpu, now - last);
    const ownInDelay = Math.max(0, Math.min(delay, ownCpu));
    summary.ticks++;
    if (delay > summary.maxMs) {
      summary.maxMs = delay;
      summary.maxOwnCpuMs = ownInDelay;
      summary.maxRunQueueMs = (queue - lastQueue) / 1e6;
    }
    summary.ownMaxMs = Math.max(summary.ownMaxMs, ownInDelay);
    if (delay > 50) summary.over50++;
    if (ownInDelay > 50) summary.ownOver50++;
    last = now;
    lastCpu = cpu;
    lastQueue = queue;
  }, TICK_MS).unref();
  const write = (): void => writeFileSync(file, JSON.stringify(summary));
  setInterval(write, 1000).unref();
  process.on('SIGUSR2', () => {
    summary = fresh();
  });
  // No SIGTERM handler here: one would keep a process without its own from exiting on SIGTERM.
  process.once('exit', write);
}
