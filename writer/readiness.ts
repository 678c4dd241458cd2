/**
 * Whether one signal's writer is ready, and if not why, from a snapshot of its loop: the reasons an
 * operator sees on /ready (a stopped loop, no partitions from the group, a stuck or idle partition
 * with records waiting, a delivery alarm, a stalled loop).
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

export function signalReadiness(
  loop: LoopSnapshot,
  stuckAfterMs: number,
): { ready: boolean; reason: string } {
  if (loop.failure) return { ready: false, reason: `writer loop stopped: ${loop.failure}` };
  const now = Date.now();
  if (loop.unassignedSince !== undefined && now - loop.unassignedSince > stuckAfterMs)
    return {
      ready: false,
      reason: `${loop.signal}: no partitions from the consumer group for ${Math.round((now - loop.unassignedSince) / 1000)} s`,
    };
  for (const w of loop.workers) {
    if (w.stuck) return { ready: false, reason: `${w.key}: ${w.stuck}` };
    const lag = w.lag;
    if (lag > 0 && now - w.lastProgressAt > stuckAfterMs)
      return {
        ready: false,
        reason: `${w.key}: no progress for ${Math.round((now - w.lastProgressAt) / 1000)} s with ${lag} records waiting`,
      };
  }
  for (const [key, message] of loop.alarms) return { ready: false, reason: `${key}: ${message}` };
  if (!loop.stopping && !loop.replay && now - loop.turnAt > stuckAfterMs)
    return {
      ready: false,
      reason: `${loop.signal}: consume loop stalled for ${Math.round((now - loop.turnAt) / 1000)} s (ClickHouse or Kafka look-ups not answering)`,
    };
  return { ready: !loop.stopping, reason: `${loop.workers.length} partitions` };
}
