/**
 * Whether one signal's writer is ready, and if not why, from a snapshot of its loop: the reasons an
 * operator sees on /ready (a stopped loop, no partitions from the group, a partition whose records
 * waited writer.stuckAfterMs without progress, a delivery alarm, a stalled loop), each starting with
 * the signal, so the writer's joined reason names every signal and its state.
 */
import type { Signal } from '../schemas/otlp/codec.js';
import type { PartitionWorker } from './partition.js';

export interface LoopSnapshot {
  readonly signal: Signal;
  readonly failure: string | undefined;
  readonly unassignedSince: number | undefined;
  readonly turnAt: number;
  readonly alarms: ReadonlyMap<string, string>;
  readonly stopping: boolean;
  /** A replay's loop ends on its own: it is never stalled. */
  readonly replay: boolean;
  readonly workers: readonly PartitionWorker[];
}

const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

export function signalReadiness(
  loop: LoopSnapshot,
  stuckAfterMs: number,
): { ready: boolean; reason: string } {
  if (loop.failure) return { ready: false, reason: `${loop.signal}: writer loop stopped: ${loop.failure}` };
  const now = Date.now();
  if (loop.unassignedSince !== undefined && now - loop.unassignedSince > stuckAfterMs)
    return {
      ready: false,
      reason: `${loop.signal}: no partitions from the consumer group for ${Math.round((now - loop.unassignedSince) / 1000)} s`,
    };
  let waiting = 0;
  for (const w of loop.workers) {
    if (w.stuck) return { ready: false, reason: `${loop.signal}: ${w.key}: ${w.stuck}` };
    const lag = w.lag;
    const since = w.waitingSince;
    if (since !== undefined && now - since > stuckAfterMs)
      return {
        ready: false,
        reason: `${loop.signal}: ${w.key}: no progress for ${Math.round((now - since) / 1000)} s with ${lag} records waiting`,
      };
    if (lag > 0) waiting += lag;
  }
  for (const [key, message] of loop.alarms)
    return { ready: false, reason: `${loop.signal}: ${key}: ${message}` };
  if (!loop.stopping && !loop.replay && now - loop.turnAt > stuckAfterMs)
    return {
      ready: false,
      reason: `${loop.signal}: consume loop stalled for ${Math.round((now - loop.turnAt) / 1000)} s (ClickHouse or Kafka look-ups not answering)`,
    };
  if (loop.stopping) return { ready: false, reason: `${loop.signal}: stopping` };
  return {
    ready: true,
    reason: `${loop.signal}: ready, ${plural(loop.workers.length, 'partition')}, ${plural(waiting, 'record')} waiting`,
  };
}
