/**
 * One owned partition: its position, its open batch, and the batch's plan. The position is the
 * writer's own (from the done state), never the consumer client's: after any assignment change a
 * new PartitionWorker starts from the done state, so nothing buffered survives a re-join, an offset
 * already in a batch is never appended twice, and an abandoned batch is simply fetched again.
 */
import type { Logger } from '../core/log.js';
import type { FetchedPartition, GroupFence } from '../kafka/port.js';
import type { Signal } from '../schemas/otlp/codec.js';
import { PartitionBatch, type RowRules, type ShapeLookup } from './batch.js';
import type { Plan } from './delivery/state.js';
import { type FlushDeps, PlanMismatch, writeBatch } from './flush.js';
import { Abandoned } from './retry.js';

export type FlushReason = 'rows' | 'bytes' | 'age' | 'plan' | 'memory' | 'end' | 'shutdown';

export interface PartitionLimits {
  readonly batchRows: number;
  readonly batchBytes: number;
  readonly flushIntervalMs: number;
  readonly rules: RowRules;
  /** Replay: the position where this partition's work ends (exclusive). */
  readonly endPosition?: number;
}

export class PartitionWorker {
  /** Next fetch position; undefined until initialised from the done state. */
  position: number | undefined;
  batch: PartitionBatch | undefined;
  /** The plan of the batch that starts at `position`, if one was recorded. */
  plan: Plan | undefined;
  /** Whether the batch beginning at `position` was checked against plans and done ranges yet. */
  checked = false;
  flushing: Promise<void> | undefined;
  /** Why this partition stopped (a delivery alarm); undefined while healthy. */
  stuck: string | undefined;
  lastProgressAt = Date.now();
  highWatermark = -1;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly signal: Signal,
    readonly stream: string,
    readonly fence: GroupFence,
    private readonly limits: PartitionLimits,
    private readonly log: Logger,
  ) {}

  get key(): string {
    return `${this.topic}:${this.partition}`;
  }

  /** Whether this partition's range (replay) is finished. */
  get finished(): boolean {
    const end = this.limits.endPosition;
    return end !== undefined && this.position !== undefined && this.position >= end && !this.batch;
  }

  /** Looks up the plan and done ranges at the current position; skips ranges already done. */
  async begin(deps: FlushDeps): Promise<void> {
    for (;;) {
      const position = this.position!;
      const found = await deps.state.at(this.stream, position);
      if (found.doneEnd !== undefined && found.doneEnd > position) {
        this.position = found.doneEnd;
        continue;
      }
      this.plan = found.plan;
      this.checked = true;
      return;
    }
  }

  /** Appends a fetch's records; returns why the batch must be written now, if it must. */
  async accept(fetched: FetchedPartition, shapeOf: ShapeLookup): Promise<FlushReason | undefined> {
    if (fetched.highWatermark >= 0) this.highWatermark = fetched.highWatermark;
    const start = this.position!;
    const planEnd = this.plan?.end;
    // A plan's end wins over a replay's end: a planned range is always written whole.
    const stopAt = planEnd ?? this.limits.endPosition ?? Infinity;
    this.batch ??= new PartitionBatch(this.topic, this.partition, this.signal, start, this.limits.rules);
    const batch = this.batch;
    for (const record of fetched.records) {
      if (record.offset < batch.end) continue; // never twice
      if (record.offset >= stopAt) break;
      await batch.add(record, shapeOf);
      batch.end = record.offset + 1;
      if (planEnd === undefined && batch.rowCount >= this.limits.batchRows) return this.close('rows');
      if (planEnd === undefined && batch.byteCount >= this.limits.batchBytes) return this.close('bytes');
    }
    batch.end = Math.max(batch.end, Math.min(fetched.nextPosition, stopAt));
    this.position = batch.end;
    if (batch.end >= stopAt) return planEnd !== undefined ? 'plan' : 'end';
    return undefined;
  }

  private close(reason: FlushReason): FlushReason {
    this.position = this.batch!.end;
    return reason;
  }

  /** Records waiting: the high watermark minus where the unwritten part begins (-1: not known yet). */
  get lag(): number {
    if (this.highWatermark < 0 || this.position === undefined) return -1;
    return this.highWatermark - (this.batch?.start ?? this.position);
  }

  /** Whether the open batch came of age (a batch following a plan waits for the plan's end). */
  aged(now: number): boolean {
    return (
      this.batch !== undefined &&
      !this.batch.empty &&
      this.plan === undefined &&
      now - this.batch.startedAt >= this.limits.flushIntervalMs
    );
  }

  /**
   * Writes the open batch. On success the position moves past it; on 'replan' the batch is dropped
   * and rebuilt from its start along the winning plan; when abandoned nothing changes in the state.
   */
  async write(reason: FlushReason, deps: FlushDeps): Promise<boolean> {
    const batch = this.batch;
    if (!batch || batch.end <= batch.start) return false;
    try {
      const outcome = await writeBatch(batch, this.stream, this.plan, deps);
      if (outcome.kind === 'replan') {
        this.log.info('another writer planned this range first; rebuilding along its plan', {
          partition: this.key,
          start: batch.start,
          end: outcome.plan.end,
        });
        this.batch = undefined;
        this.position = batch.start;
        this.plan = outcome.plan;
        return false;
      }
      deps.metrics.batches.inc({ signal: this.signal, reason });
      deps.metrics.batchRows.observe(batch.rowCount);
      deps.metrics.records.inc({ signal: this.signal }, batch.records.length);
      if (batch.clamped > 0) deps.metrics.clampedRows.inc({ signal: this.signal }, batch.clamped);
      this.batch = undefined;
      this.plan = undefined;
      this.checked = false;
      this.position = batch.end;
      this.lastProgressAt = Date.now();
      return true;
    } catch (err) {
      if (err instanceof PlanMismatch) {
        this.stuck = err.message;
        deps.metrics.deliveryAlarms.inc({ kind: 'plan_mismatch' });
        this.log.error('partition stopped: a rebuild differs from its plan', {
          partition: this.key,
          reason: err.message,
        });
        return false;
      }
      if (err instanceof Abandoned) {
        this.batch = undefined;
        return false;
      }
      throw err;
    }
  }
}
