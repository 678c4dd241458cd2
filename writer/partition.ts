/**
 * One owned partition: its position, its open batch, and the batch's plan. The position is the
 * writer's own (from the done state), never the consumer client's: after any assignment change a
 * new PartitionWorker starts from the done state, so nothing buffered survives a re-join, an offset
 * already in a batch is never appended twice, and an abandoned batch is simply fetched again.
 *
 * Read-ahead: while one batch is being written, the next one is fetched and transcoded, so writer
 * CPU and ClickHouse's insert overlap. At most one batch is written and one read ahead per
 * partition. The batch read ahead is checked against plans and done ranges only when the write
 * before it succeeded (the same moment a batch is checked without read-ahead); if another writer
 * planned or finished that range meanwhile, or the write before it did not succeed, it is dropped
 * and its records are fetched again — read-ahead never decides what is written, it only saves time.
 */
import type { Logger } from '../core/log.js';
import type { FetchedPartition, GroupFence } from '../kafka/port.js';
import type { Signal } from '../schemas/otlp/codec.js';
import { PartitionBatch, type RowRules, type ShapeLookup } from './batch.js';
import { type DeliveryDeps, PlanMismatch, writeBatch } from './delivery/protocol.js';
import type { Plan } from './delivery/state.js';
import { Abandoned } from './retry.js';

/** Longest stretch of transcoding between two turns of the event loop. */
const TRANSCODE_SLICE_MS = 10;
/** Partitions' age flushes are spread over this many points of the flush interval. */
const FLUSH_PHASES = 4;

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
  /** Where the next done range after `position` begins: the open batch stops there (a gap's end). */
  doneAhead: number | undefined;
  /**
   * Whether the open batch (or, without one, the batch beginning at `position`) was checked against
   * plans and done ranges yet. An open batch that is not checked was read ahead during a write.
   */
  checked = false;
  flushing: Promise<void> | undefined;
  /** The batch being written, and the plan it follows. */
  writing: { readonly batch: PartitionBatch; readonly plan: Plan | undefined } | undefined;
  /** Why the batch read ahead must be written as soon as it is checked. */
  pendingReason: FlushReason | undefined;
  /**
   * Changes whenever the open batch and position are thrown away (a failed or lost write, a
   * replan, a read-ahead overtaken by another writer): fetches issued before belong to another
   * range and are dropped.
   */
  epoch = 0;
  /** Why this partition stopped (a delivery alarm); undefined while healthy. */
  stuck: string | undefined;
  lastProgressAt = Date.now();
  /** When records began waiting after a time with none (undefined: none waiting, as far as known). */
  private waitingFrom: number | undefined;
  highWatermark = -1;
  /** No batch handed off yet: the first one comes of age early by this partition's phase. */
  private firstBatch = true;

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
    return (
      end !== undefined && this.position !== undefined && this.position >= end && !this.batch && !this.writing
    );
  }

  /** Whether the next batch may be fetched now, during a write (one batch ahead, not yet full). */
  get canReadAhead(): boolean {
    return this.flushing !== undefined && this.position !== undefined && this.pendingReason === undefined;
  }

  /** Bytes held by the batch being written and the open one: records as fetched and their rows. */
  get heldBytes(): number {
    const held = (b: PartitionBatch | undefined): number => (b ? b.byteCount + b.recordBytes : 0);
    return held(this.writing?.batch) + held(this.batch);
  }

  /**
   * Drops the batch read ahead (its fetch failed during a write): the next fetch starts where that
   * batch began — the end of the batch being written, or, once that write is over (the writer may
   * still be committing), the read-ahead batch's own start. Never the position after the records read
   * ahead: they were not written, and starting there would leave them out of every range.
   */
  dropReadAhead(): void {
    this.reset(this.writing?.batch.end ?? this.batch?.start ?? this.position);
  }

  /** Throws away the open batch; the position is re-read from `position` (or the done state). */
  reset(position: number | undefined): void {
    this.batch = undefined;
    this.pendingReason = undefined;
    this.checked = false;
    this.doneAhead = undefined;
    this.position = position;
    this.epoch++;
  }

  /**
   * After a successful write, checks the batch read ahead meanwhile: kept when nobody planned or
   * finished its start, else dropped so `begin` follows what the state says.
   */
  async verifyReadAhead(deps: DeliveryDeps): Promise<void> {
    const batch = this.batch!;
    const found = await deps.state.at(this.stream, batch.start);
    if (
      found.plan ||
      (found.doneEnd !== undefined && found.doneEnd > batch.start) ||
      (found.nextDone !== undefined && found.nextDone < batch.end)
    ) {
      this.log.info('the range read ahead was planned by another writer; reading it again', {
        partition: this.key,
        start: batch.start,
      });
      this.reset(batch.start);
      return;
    }
    this.checked = true;
  }

  /** Looks up the plan and done ranges at the current position; skips ranges already done. */
  async begin(deps: DeliveryDeps): Promise<void> {
    for (;;) {
      const position = this.position!;
      const found = await deps.state.at(this.stream, position);
      if (found.doneEnd !== undefined && found.doneEnd > position) {
        this.position = found.doneEnd;
        continue;
      }
      this.plan = found.plan;
      this.doneAhead = found.nextDone;
      this.checked = true;
      return;
    }
  }

  /** Moves the open batch to `writing`; the next fetch starts a batch read ahead. */
  handOff(): { batch: PartitionBatch; plan: Plan | undefined } {
    this.firstBatch = false;
    const writing = { batch: this.batch!, plan: this.plan };
    this.writing = writing;
    this.batch = undefined;
    this.plan = undefined;
    this.doneAhead = undefined;
    this.checked = false;
    this.pendingReason = undefined;
    return writing;
  }

  /** Appends a fetch's records; returns why the batch must be written now, if it must. */
  async accept(fetched: FetchedPartition, shapeOf: ShapeLookup): Promise<FlushReason | undefined> {
    if (fetched.highWatermark >= 0) this.highWatermark = fetched.highWatermark;
    if (this.lag > 0) this.waitingFrom ??= Date.now();
    const start = this.position!;
    const planEnd = this.plan?.end;
    // A plan's end wins over a replay's end: a planned range is always written whole. Without a
    // plan, a batch never runs into a done range ahead (a replay filling a gap stops at its end).
    const stopAt = planEnd ?? Math.min(this.limits.endPosition ?? Infinity, this.doneAhead ?? Infinity);
    this.batch ??= new PartitionBatch(
      this.topic,
      this.partition,
      this.signal,
      start,
      this.limits.rules,
      this.limits.batchBytes,
    );
    const batch = this.batch;
    const epoch = this.epoch;
    let sliceStartedAt = performance.now();
    for (const record of fetched.records) {
      if (record.offset < batch.end) continue; // never twice
      if (record.offset >= stopAt) break;
      await batch.add(record, shapeOf);
      // A fetch transcodes up to 16 MiB of records: give the event loop back every few milliseconds
      // (heartbeats, health, inserts finishing) instead of holding it for the whole fetch.
      if (performance.now() - sliceStartedAt > TRANSCODE_SLICE_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        sliceStartedAt = performance.now();
      }
      // A write that ended meanwhile may have thrown this range away: leave everything as it is now.
      if (this.epoch !== epoch) return undefined;
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
    return this.highWatermark - (this.writing?.batch.start ?? this.batch?.start ?? this.position);
  }

  /**
   * Since when the records waiting now have waited without progress: the later of the last write and
   * the moment records began waiting (an idle partition's next record starts a new wait; it is not
   * late by the idle time). Undefined when nothing waits.
   */
  get waitingSince(): number | undefined {
    if (this.lag <= 0 || this.waitingFrom === undefined) return undefined;
    return Math.max(this.waitingFrom, this.lastProgressAt);
  }

  /**
   * The open batch, when it may be written before it is full (age, memory, shutdown): checked, not
   * empty, not bound to a plan's end, and no write of this partition in flight.
   */
  get earlyWritable(): PartitionBatch | undefined {
    const batch = this.batch;
    return !this.flushing && this.checked && batch && !batch.empty && this.plan === undefined
      ? batch
      : undefined;
  }

  /** When the open batch comes of age (Infinity: it cannot be written early). */
  get agedAt(): number {
    const batch = this.earlyWritable;
    if (!batch) return Infinity;
    return batch.startedAt + this.limits.flushIntervalMs - (this.firstBatch ? this.phaseMs : 0);
  }

  /**
   * How much earlier this partition's first batch comes of age: partitions of a steady stream start
   * their batches together and, each next batch beginning as the last one is handed off, would all
   * come of age at the same moment, forever, their inserts queueing behind each other (the local
   * engine runs one query at a time; a server sees bursts). Shortening only the first batch by a
   * per-partition share of the interval spreads their flushes over it for good.
   */
  private get phaseMs(): number {
    return ((this.partition % FLUSH_PHASES) * this.limits.flushIntervalMs) / FLUSH_PHASES;
  }

  /**
   * Writes the batch handed off by `handOff`. On success the batch read ahead meanwhile (if any)
   * waits for its check; on 'replan' both are dropped and the range is rebuilt from its start along
   * the winning plan; when abandoned nothing changes in the state.
   */
  async write(reason: FlushReason, deps: DeliveryDeps): Promise<boolean> {
    const writing = this.writing;
    if (!writing) return false;
    const { batch, plan } = writing;
    try {
      if (batch.end <= batch.start) return false;
      const outcome = await writeBatch(batch, this.stream, plan, deps);
      // Written, or dropped before any insert began (replan): nothing reads its bodies any more.
      batch.release();
      if (outcome.kind === 'replan') {
        this.log.info('another writer planned this range first; rebuilding along its plan', {
          partition: this.key,
          start: batch.start,
          end: outcome.plan.end,
        });
        this.reset(batch.start);
        this.plan = outcome.plan;
        this.checked = true;
        return false;
      }
      deps.metrics.batches.inc({ signal: this.signal, reason });
      deps.metrics.batchRows.observe(batch.rowCount);
      deps.metrics.records.inc({ signal: this.signal }, batch.records.length);
      if (batch.clamped > 0) deps.metrics.clampedRows.inc({ signal: this.signal }, batch.clamped);
      // Without a batch read ahead, the next one begins where this one ended, still unchecked.
      if (!this.batch) this.position = batch.end;
      this.lastProgressAt = Date.now();
      // Everything fetched so far is written: the next records begin a wait of their own.
      if (this.highWatermark <= (this.batch?.start ?? this.position ?? -1)) this.waitingFrom = undefined;
      return true;
    } catch (err) {
      if (err instanceof PlanMismatch) {
        this.stuck = err.message;
        this.reset(batch.start);
        deps.metrics.deliveryAlarms.inc({ kind: 'plan_mismatch' });
        this.log.error('partition stopped: a rebuild differs from its plan', {
          partition: this.key,
          reason: err.message,
        });
        return false;
      }
      if (err instanceof Abandoned) {
        // Not written: whoever goes on from here starts at this batch (a batch read ahead meanwhile,
        // which begins at its end, is dropped with it), never past it.
        this.reset(batch.start);
        return false;
      }
      throw err;
    } finally {
      this.writing = undefined;
    }
  }
}
