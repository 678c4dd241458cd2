/**
 * The dependencies one partition's writes and look-ups run with: writes give up when the partition
 * is lost or the stop deadline passed; look-ups (plans, table shapes) also give up as soon as the
 * writer stops (a ClickHouse outage must not hold a stopping writer).
 */
import type { DeliveryDeps } from './delivery/protocol.js';
import type { PartitionWorker } from './partition.js';
import type { ShapeLookup } from './batch.js';
import { Abandoned, withRetry } from './retry.js';

export interface WorkerDeps {
  readonly write: DeliveryDeps;
  readonly lookup: DeliveryDeps;
  /**
   * Table shapes for the partition's batches: the cached answer, and on a failure (ClickHouse away,
   * a table not created yet) the retry policy like every other look-up, never an error that would
   * stop the signal's loop.
   */
  readonly shapes: ShapeLookup;
}

/** What the signal's loop tells about itself. */
export interface LoopView {
  owns(worker: PartitionWorker): boolean;
  deadline(): number;
  stopping(): boolean;
  alarm(key: string, message: string): void;
}

export function workerDeps(
  worker: PartitionWorker,
  base: Omit<DeliveryDeps, 'stillOwned' | 'ruleVersion'>,
  /** Pinned in plans, from the very rules the batches are built with. */
  ruleVersion: string,
  loop: LoopView,
): WorkerDeps {
  const write: DeliveryDeps = {
    ...base,
    ruleVersion,
    stillOwned: () => {
      if (!loop.owns(worker)) throw new Abandoned(`partition ${worker.key} revoked`);
      if (Date.now() > loop.deadline()) throw new Abandoned('shutdown deadline passed');
    },
    onAlarm: (kind, message) => {
      loop.alarm(`${worker.key}:${kind}`, message);
      base.metrics.deliveryAlarms.inc({ kind });
    },
  };
  const lookup: DeliveryDeps = {
    ...write,
    stillOwned: () => {
      if (loop.stopping()) throw new Abandoned('writer stopping');
      write.stillOwned();
    },
  };
  const shapes: ShapeLookup = (table, provided) =>
    base.schemas
      .get(table, provided)
      .catch(() => withRetry('table shape', lookup, () => base.schemas.get(table, provided)));
  return { write, lookup, shapes };
}
