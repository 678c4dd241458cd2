/**
 * How much each process of a run waited for a core: the kernel's per-thread schedstat (time on a CPU,
 * time runnable on a run queue but not running), summed over the process's threads. On a machine
 * whose cores are shared by the load generator, Kafka, ClickHouse and the processes under test, a
 * latency or event-loop figure is only about our code when its processes did not wait; this shows
 * how much they did (Linux only: empty elsewhere).
 */
import { readFileSync, readdirSync } from 'node:fs';

export interface SchedTimes {
  /** Seconds on a CPU, all threads. */
  readonly runSeconds: number;
  /** Seconds runnable but waiting for a CPU, all threads. */
  readonly waitSeconds: number;
}

export function schedTimes(pid: number): SchedTimes | undefined {
  try {
    let run = 0;
    let wait = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const [r, w] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ');
      run += Number(r);
      wait += Number(w);
    }
    return { runSeconds: run / 1e9, waitSeconds: wait / 1e9 };
  } catch {
    return undefined; // gone, or not Linux
  }
}

/** The direct child processes of `parent` with their command lines (Kafka, the ClickHouse server, …). */
export function childProcesses(parent = process.pid): { pid: number; command: string }[] {
  const out: { pid: number; command: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== parent) continue;
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      out.push({ pid: Number(entry), command });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

export interface SchedShare {
  readonly name: string;
  /** CPU seconds over the window. */
  readonly cpuSeconds: number;
  /** Seconds its threads waited for a core over the window (summed over threads). */
  readonly waitSeconds: number;
  /** waitSeconds ÷ (cpuSeconds + waitSeconds): the share of its runnable time spent waiting. */
  readonly waitShare: number;
}

/** Snapshots now; `end()` gives each process's CPU and run-queue wait since. */
export function schedWindow(processes: readonly { name: string; pid: number }[]): { end(): SchedShare[] } {
  const before = processes.map((p) => ({ ...p, at: schedTimes(p.pid) }));
  return {
    end: () =>
      before.flatMap(({ name, pid, at }) => {
        const now = schedTimes(pid);
        if (!at || !now) return [];
        const cpuSeconds = now.runSeconds - at.runSeconds;
        const waitSeconds = now.waitSeconds - at.waitSeconds;
        return [
          {
            name,
            cpuSeconds,
            waitSeconds,
            waitShare: waitSeconds / Math.max(1e-9, cpuSeconds + waitSeconds),
          },
        ];
      }),
  };
}
