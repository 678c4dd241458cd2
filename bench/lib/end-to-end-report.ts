/** The end-to-end part's targets and report section (bench/lib/end-to-end.ts makes the figures). */
import type { LoopGaps } from './loop-gaps.js';
import { type Target, tableMarkdown } from './report.js';
import type { SchedShare } from './sched.js';

interface EndToEnd {
  calibration: {
    receiverItemsPerSecond: number;
    landedRowsPerSecond: number;
    pipelineMaxItemsPerSecond: number;
  };
  requestsPerSecond: number;
  itemsPerRequest: number;
  acked: number;
  queryable: number;
  p50Seconds: number;
  p99Seconds: number;
  maxSeconds: number;
  machine: { wallSeconds: number; processes: SchedShare[] };
  eventLoop: {
    receiverMaxSeconds?: number;
    writerMaxSeconds?: number;
    receiverGaps?: LoopGaps;
    writerGaps?: LoopGaps;
  };
}

export function endToEndTargets(result: Record<string, unknown>, flushIntervalMs: number): Target[] {
  const e = result as unknown as EndToEnd;
  const own = [e.eventLoop.receiverGaps?.ownMaxMs, e.eventLoop.writerGaps?.ownMaxMs];
  const ownKnown = own.every((x) => x !== undefined);
  return [
    {
      name: "end-to-end p99 (sent → queryable) at half of the pipeline's measured maximum",
      measured: e.p99Seconds,
      limit: flushIntervalMs / 1000 + 1,
      kind: 'max',
      unit: 's',
    },
    {
      name: 'acknowledged requests never queryable (end-to-end run)',
      measured: e.acked - e.queryable,
      limit: 0,
      kind: 'max',
      unit: 'requests',
    },
    {
      name: 'largest event-loop delay on the process’s own CPU, receiver and writer (whole life; waits for a core excluded)',
      measured: ownKnown ? Math.max(...own) : Number.NaN,
      limit: 50,
      kind: 'max',
      unit: 'ms',
      ...(ownKnown ? {} : { skipped: 'no loop-gaps summary (the preload did not run)' }),
    },
  ];
}

export function endToEndMarkdown(result: Record<string, unknown>): string[] {
  const e = result as unknown as EndToEnd;
  const c = e.calibration;
  const gaps = (name: string, max: number | undefined, g: LoopGaps | undefined): (string | number)[] => [
    name,
    (max ?? Number.NaN) * 1000,
    g?.maxMs ?? Number.NaN,
    g
      ? `${g.maxOwnCpuMs.toFixed(1)} / ${g.maxRunQueueMs.toFixed(1)} / ${Math.max(0, g.maxMs - g.maxOwnCpuMs - g.maxRunQueueMs).toFixed(1)}`
      : 'n/a',
    g?.ownMaxMs ?? Number.NaN,
    g ? `${g.over50} / ${g.ownOver50}` : 'n/a',
  ];
  return [
    `The pipeline's maximum on this machine, everything running together (receiver saturated by a closed loop, rows counted in ClickHouse): ${Math.round(c.pipelineMaxItemsPerSecond)} log records/s (the receiver took ${Math.round(c.receiverItemsPerSecond)}/s, ${Math.round(c.landedRowsPerSecond)} rows/s landed). Measured at half of it: ${Math.round(e.requestsPerSecond)} requests/s of ${e.itemsPerRequest} records; p50 ${e.p50Seconds.toFixed(2)} s, p99 ${e.p99Seconds.toFixed(2)} s, max ${e.maxSeconds.toFixed(2)} s; ${e.queryable} of ${e.acked} acknowledged requests queryable.`,
    '',
    `Where the cores went during the ${e.machine.wallSeconds.toFixed(1)} s of the measured run (kernel schedstat, all threads): a process's *wait* is time it was ready to run but every core was busy.`,
    '',
    tableMarkdown(
      ['process', 'CPU-s', 'CPU cores (avg)', 'waiting for a core, s', 'share of its runnable time waiting'],
      e.machine.processes.map((p) => [
        p.name,
        p.cpuSeconds,
        p.cpuSeconds / e.machine.wallSeconds,
        p.waitSeconds,
        `${(100 * p.waitShare).toFixed(0)}%`,
      ]),
    ),
    '',
    'Event-loop delays (whole process life): Node’s monitor, and bench/lib/loop-gaps.ts, which splits each delay into the main thread’s own CPU (our code and V8, GC included) and its wait for a core.',
    '',
    tableMarkdown(
      [
        'process',
        'max delay (Node monitor), ms',
        'max delay (10 ms timer), ms',
        'of it: own CPU / waiting for a core / neither (blocked in the kernel), ms',
        'largest own-CPU delay, ms',
        'delays > 50 ms: all / on own CPU',
      ],
      [
        gaps('receiver', e.eventLoop.receiverMaxSeconds, e.eventLoop.receiverGaps),
        gaps('writer', e.eventLoop.writerMaxSeconds, e.eventLoop.writerGaps),
      ],
    ),
  ];
}
