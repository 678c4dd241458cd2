/**
 * One signal's writer loop: the group gives partitions, the done state gives positions, one fetch
 * round reads every owned partition that has room, and each partition's batch is written when it
 * is full, old, or reaches the end of its plan — several partitions at once, the loop fetching on
 * (also the next batch of a partition being written: see PartitionWorker) while inserts are in
 * flight. Memory is bounded per process: batches, written and open, hold at most `maxBufferedBytes`
 * of encoded rows together; above it the largest open one is written before more is read.
 */
import type { Logger } from '../core/log.js';
import { retryTransient, sleep } from '../core/retry.js';
import type {
  Assignment,
  FetchOptions,
  FetchPosition,
  FetchedPartition,
  GroupFence,
  KafkaAdmin,
  TopicPartition,
} from '../kafka/port.js';
import type { Signal } from '../schemas/otlp/codec.js';
import { ruleVersion } from './batch.js';
import { streamKey } from './delivery/identity.js';
import type { DeliveryDeps } from './delivery/protocol.js';
import { type FlushReason, type PartitionLimits, PartitionWorker } from './partition.js';
import { initialPosition, onFetchError } from './positions.js';
import { Abandoned, withRetry } from './retry.js';
import { signalReadiness } from './readiness.js';
import { type WorkerDeps, workerDeps } from './worker-deps.js';
import { startBatchTrace } from './trace.js';

/** Where partitions come from: a consumer group (live) or a fixed list (replay). */
export interface PartitionSource {
  assignment(): Assignment | undefined;
  fetch(positions: readonly FetchPosition[], options: FetchOptions): Promise<FetchedPartition[]>;
  commit(positions: readonly FetchPosition[], fence: GroupFence): Promise<void>;
  committed(partitions: readonly TopicPartition[]): Promise<Map<string, number>>;
}

export interface SignalWriterOptions {
  readonly signal: Signal;
  readonly source: PartitionSource;
  readonly admin: KafkaAdmin;
  /** The writer group's name in the done state (the live group's, also for replay). */
  readonly stateGroup: string;
  readonly limits: Omit<PartitionLimits, 'endPosition'>;
  readonly concurrentPartitions: number;
  readonly maxBufferedBytes: number;
  readonly fetch: FetchOptions;
  /** Where to start a partition that has no done state and no committed offset. */
  readonly startFrom: 'earliest' | 'latest';
  /** Replay: per `topic:partition`, where the work starts and ends. */
  readonly ranges?: ReadonlyMap<string, { start: number; end: number }>;
  /** Shared by the signals of one writer; the rule version comes from `limits.rules` and `signal`. */
  readonly deps: Omit<DeliveryDeps, 'stillOwned' | 'ruleVersion'>;
  readonly log: Logger;
  /** Called after each written batch with the partition and its new position. */
  readonly onWritten?: (key: string, position: number) => void;
}

/** Shortest fetch wait: an aged batch that cannot be written yet must not make the loop spin. */
const MIN_FETCH_WAIT_MS = 10;

export class SignalWriter {
  private readonly workers = new Map<string, PartitionWorker>();
  private fence: GroupFence | undefined;
  private clusterId = '';
  private stopping = false;
  /** Past this time (set by stop) no retry goes on: a writer always stops within its deadline. */
  private deadline = Infinity;
  private loop: Promise<void> | undefined;
  private failure: string | undefined;
  /** Since when the group gave no assignment (joining, or the member lost): undefined while assigned. */
  private unassignedSince: number | undefined;
  /** When the loop last began a turn: a turn blocked (e.g. on state look-ups) is a stalled consumer. */
  private turnAt = Date.now();
  private readonly alarms = new Map<string, string>();

  constructor(private readonly options: SignalWriterOptions) {}

  async start(): Promise<void> {
    // Kafka may be restarting right now: wait for it rather than fail the writer's start.
    this.clusterId = await retryTransient('read the Kafka cluster id', () => this.options.admin.clusterId(), {
      retryable: () => true,
      log: this.options.log,
    });
    this.loop = this.run().catch((err: unknown) => {
      this.failure = err instanceof Error ? err.message : String(err);
      this.options.log.error('writer loop stopped', { err });
    });
  }

  /** Resolves when every partition of a replay reached its end (or the writer stops). */
  async finished(): Promise<void> {
    await this.loop;
  }

  private readonly depsCache = new WeakMap<PartitionWorker, WorkerDeps>();

  /** A worker's dependencies (writer/worker-deps.ts), built once per worker. */
  private deps(worker: PartitionWorker, use: 'write' | 'lookup' = 'write'): DeliveryDeps {
    return this.workerDeps(worker)[use];
  }

  private workerDeps(worker: PartitionWorker): WorkerDeps {
    let cached = this.depsCache.get(worker);
    if (!cached) {
      cached = workerDeps(
        worker,
        this.options.deps,
        ruleVersion(this.options.limits.rules, this.options.signal),
        {
          owns: (w) => this.workers.get(w.key) === w,
          deadline: () => this.deadline,
          stopping: () => this.stopping,
          alarm: (key, message) => this.alarms.set(key, message),
        },
      );
      this.depsCache.set(worker, cached);
    }
    return cached;
  }

  /** Drops workers of partitions no longer owned (or owned under a new fence) and adds new ones. */
  private async reconcile(assignment: Assignment): Promise<void> {
    const fenceChanged =
      !this.fence ||
      this.fence.memberId !== assignment.fence.memberId ||
      this.fence.generation !== assignment.fence.generation;
    if (!fenceChanged) return;
    const wanted = new Set(assignment.partitions.map((p) => `${p.topic}:${p.partition}`));
    for (const key of [...this.workers.keys()]) if (!wanted.has(key)) this.workers.delete(key);
    // Every kept partition restarts from the done state too: its in-memory batch may be stale.
    // Topic ids are read again: a topic deleted and created meanwhile is another stream.
    const topics = [...new Set(assignment.partitions.map((p) => p.topic))];
    const topicIds = new Map(
      (await this.options.admin.describeTopics(topics)).map((info) => [info.name, info.id]),
    );
    this.fence = assignment.fence;
    for (const tp of assignment.partitions) {
      const key = `${tp.topic}:${tp.partition}`;
      const range = this.options.ranges?.get(key);
      const stream = streamKey({
        clusterId: this.clusterId,
        topicId: topicIds.get(tp.topic)!,
        topic: tp.topic,
        partition: tp.partition,
        group: this.options.stateGroup,
      });
      const worker = new PartitionWorker(
        tp.topic,
        tp.partition,
        this.options.signal,
        stream,
        assignment.fence,
        { ...this.options.limits, ...(range ? { endPosition: range.end } : {}) },
        this.options.log.child({ partition: key }),
      );
      this.workers.set(key, worker);
    }
    this.options.log.info('partitions assigned', {
      signal: this.options.signal,
      partitions: [...this.workers.keys()],
    });
  }

  private buffered(): number {
    let bytes = 0;
    for (const w of this.workers.values()) bytes += w.heldBytes;
    return bytes;
  }

  private inFlight(): number {
    let n = 0;
    for (const w of this.workers.values()) if (w.flushing) n++;
    return n;
  }

  private startWrite(worker: PartitionWorker, reason: FlushReason): void {
    if (worker.flushing) return;
    const deps = this.deps(worker);
    const handed = worker.handOff().batch;
    const traced = startBatchTrace(handed, this.options.stateGroup, reason);
    worker.flushing = (async () => {
      try {
        const written = await traced.run(() => worker.write(reason, deps));
        if (written)
          for (const key of [...this.alarms.keys()])
            if (key.startsWith(`${worker.key}:`)) this.alarms.delete(key);
        if (written && worker.fence === this.fence && this.workers.get(worker.key) === worker) {
          // The end of what was written, not the worker's position: that may already be past the
          // records read ahead meanwhile, which are not written yet.
          this.options.onWritten?.(worker.key, handed.end);
          // Advisory: the done state is what positions come from; a refused commit changes nothing.
          await this.options.source
            .commit(
              [{ topic: worker.topic, partition: worker.partition, position: handed.end }],
              worker.fence,
            )
            .catch((err: unknown) => this.options.log.debug('commit refused', { err }));
          traced.event('committed', { 'tributary.position': handed.end });
        }
        traced.end(written ? 'written' : 'not_written');
      } catch (err) {
        traced.end('failed', err);
        this.options.log.warn('batch write failed; the range will be fetched again', {
          partition: worker.key,
          err,
        });
        worker.reset(undefined); // re-read from the done state
      } finally {
        worker.flushing = undefined;
      }
    })();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      this.turnAt = Date.now();
      const assignment = this.options.source.assignment();
      if (!assignment) {
        this.unassignedSince ??= Date.now();
        await sleep(100);
        continue;
      }
      this.unassignedSince = undefined;
      try {
        await this.reconcile(assignment);
      } catch (err) {
        // Kafka is unreachable right now: the same assignment is reconciled on the next turn.
        this.options.log.warn('cannot read the assigned topics yet; retrying', { err });
        await sleep(500);
        continue;
      }
      const ready: PartitionWorker[] = [];
      for (const worker of this.workers.values()) {
        if (worker.stuck || worker.finished) continue;
        if (worker.flushing) {
          if (worker.canReadAhead && this.buffered() <= this.options.maxBufferedBytes) ready.push(worker);
          continue;
        }
        const deps = this.deps(worker, 'lookup');
        try {
          if (worker.position === undefined)
            worker.position = await withRetry('resume position', deps, () =>
              initialPosition(worker, deps, this.options),
            );
          if (!worker.checked && worker.batch)
            await withRetry('read-ahead check', deps, () => worker.verifyReadAhead(deps));
          if (!worker.checked && !worker.batch)
            await withRetry('plan lookup', deps, () => worker.begin(deps));
        } catch (err) {
          if (err instanceof Abandoned) continue;
          throw err;
        }
        if (worker.pendingReason) {
          this.startWrite(worker, worker.pendingReason);
          continue;
        }
        if (worker.finished) continue;
        ready.push(worker);
      }
      if (this.options.ranges && [...this.workers.values()].every((w) => w.finished || w.stuck)) return;
      // Memory: above the budget, write the largest batch before reading more.
      if (this.buffered() > this.options.maxBufferedBytes) {
        const largest = [...this.workers.values()]
          .filter((w) => w.earlyWritable)
          .sort((a, b) => b.batch!.byteCount - a.batch!.byteCount)[0];
        if (largest && this.inFlight() < this.options.concurrentPartitions)
          this.startWrite(largest, 'memory');
        await this.waitForAWrite();
        continue;
      }
      const fetchable = ready.filter(
        (w) => w.flushing !== undefined || this.inFlight() < this.options.concurrentPartitions || !w.batch,
      );
      if (fetchable.length === 0) {
        await this.waitForAWrite();
        continue;
      }
      // A write that ends while this fetch is out may throw its range away (epoch): then the result is dropped.
      const epochs = new Map(fetchable.map((w) => [w.key, w.epoch]));
      const results = await this.options.source
        .fetch(
          fetchable.map((w) => ({ topic: w.topic, partition: w.partition, position: w.position! })),
          this.fetchOptions(),
        )
        .catch((err: unknown) => {
          this.options.log.warn('fetch failed; retrying', { err });
          return sleep(500).then(() => [] as FetchedPartition[]);
        });
      for (const fetched of results) {
        const worker = this.workers.get(`${fetched.topic}:${fetched.partition}`);
        if (!worker || worker.position === undefined || epochs.get(worker.key) !== worker.epoch) continue;
        let reason: FlushReason | undefined;
        try {
          if (fetched.error) {
            // During a write, a failed read-ahead is dropped: the error is handled once the write is over.
            if (worker.flushing) worker.dropReadAhead();
            else await onFetchError(worker, fetched, this.deps(worker, 'lookup'), this.options);
            continue;
          }
          reason = await worker.accept(fetched, this.workerDeps(worker).shapes);
        } catch (err) {
          // The partition was lost or the writer stops while a look-up was being retried.
          if (err instanceof Abandoned) continue;
          throw err;
        }
        if (!reason) continue;
        // A full batch read ahead waits for the write before it to succeed and for its check.
        if (worker.flushing || !worker.checked) worker.pendingReason = reason;
        else this.startWrite(worker, reason);
      }
      const now = Date.now();
      for (const worker of this.workers.values())
        if (worker.agedAt <= now && this.inFlight() < this.options.concurrentPartitions)
          this.startWrite(worker, 'age');
    }
  }

  /**
   * The fetch waits for new records at most until the oldest open batch comes of age, so a batch is
   * written at its flush interval rather than up to one fetch wait later (latency at low rates).
   */
  private fetchOptions(): FetchOptions {
    let untilAged = Infinity;
    for (const w of this.workers.values()) untilAged = Math.min(untilAged, w.agedAt - Date.now());
    if (untilAged >= this.options.fetch.maxWaitMs) return this.options.fetch;
    return { ...this.options.fetch, maxWaitMs: Math.max(MIN_FETCH_WAIT_MS, Math.ceil(untilAged)) };
  }

  private async waitForAWrite(): Promise<void> {
    const flushing = [...this.workers.values()].map((w) => w.flushing).filter((f) => f !== undefined);
    await Promise.race([...flushing, sleep(100)]);
  }

  /** Lag per owned partition (high watermark minus the written position), for the metric. */
  lag(): { topic: string; partition: number; lag: number }[] {
    return [...this.workers.values()]
      .filter((w) => w.highWatermark >= 0 && w.position !== undefined)
      .map((w) => ({
        topic: w.topic,
        partition: w.partition,
        lag: w.lag,
      }));
  }

  readiness(stuckAfterMs: number): { ready: boolean; reason: string } {
    return signalReadiness(
      {
        signal: this.options.signal,
        failure: this.failure,
        unassignedSince: this.unassignedSince,
        turnAt: this.turnAt,
        alarms: this.alarms,
        stopping: this.stopping,
        replay: this.options.ranges !== undefined,
        workers: [...this.workers.values()],
      },
      stuckAfterMs,
    );
  }

  /** Writes what can be written within the deadline, then stops. */
  async stop(deadlineMs: number): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    this.deadline = deadline;
    this.stopping = true;
    await this.loop;
    for (const worker of this.workers.values()) if (worker.earlyWritable) this.startWrite(worker, 'shutdown');
    const flushing = [...this.workers.values()].map((w) => w.flushing).filter((f) => f !== undefined);
    await Promise.race([Promise.all(flushing), sleep(Math.max(0, deadline - Date.now()))]);
    this.workers.clear();
  }
}
