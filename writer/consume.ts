/**
 * One signal's consumer: a consumer group over the signal's topic(s), per-partition batches by rows,
 * bytes and age, and offsets committed only after a batch's rows are in ClickHouse.
 *
 * Batch boundaries follow the ledger: when a batch starts at an offset where a range was recorded
 * before (by a writer that crashed, lost the partition, or by the live writer when this is a
 * replay), the batch ends exactly where that range ended, so its tokens repeat and ClickHouse drops
 * whatever was already inserted.
 */
import type { Consumer, EachBatchPayload, Kafka } from '../core/kafka.js';
import type { Logger } from '../core/log.js';
import type { Signal } from '../schemas/otlp/codec.js';
import { TimeSlice } from '../core/time-slice.js';
import { PartitionBatch, type ShapeLookup } from './batch.js';
import { Abandoned, type FlushDeps, flushBatch, withRetry } from './flush.js';

export interface SignalWriterOptions {
  readonly kafka: Kafka;
  readonly signal: Signal;
  readonly groupId: string;
  readonly topics: readonly (string | RegExp)[];
  readonly batchRows: number;
  /** Partitions handled at once (kafkajs partitionsConsumedConcurrently). */
  readonly concurrentPartitions?: number;
  readonly batchBytes: number;
  readonly flushIntervalMs: number;
  /** Where to start when the group has no committed offset. */
  readonly fromBeginning: boolean;
  readonly flush: Omit<FlushDeps, 'stillOwned'>;
  readonly log: Logger;
  /** Replay: per `topic:partition`, the offset (exclusive) where consumption ends. */
  readonly endOffsets?: ReadonlyMap<string, number>;
  /** Replay: called after each committed batch with the partition and the next offset. */
  readonly onCommitted?: (key: string, nextOffset: number) => void;
}

type FlushReason = 'rows' | 'bytes' | 'age' | 'ledger' | 'shutdown' | 'end';

export class SignalWriter {
  private readonly options: SignalWriterOptions;
  private readonly consumer: Consumer;
  private readonly batches = new Map<string, PartitionBatch>();
  /** Per-partition chain: a flush and the next append never interleave. */
  private readonly locks = new Map<string, Promise<void>>();
  private owned = new Set<string>();
  private generation = 0;
  private stopping = false;
  private ageTimer: NodeJS.Timeout | undefined;
  private lagTimer: NodeJS.Timeout | undefined;
  private readonly admin;
  private lastCommitOk = Date.now();

  constructor(options: SignalWriterOptions) {
    this.options = options;
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      // A writer killed with SIGKILL holds its partitions until this passes: keep it short.
      sessionTimeout: 10_000,
      rebalanceTimeout: 60_000,
      heartbeatInterval: 3_000,
      // Smaller fetches keep kafkajs's synchronous response parsing short (event-loop stalls) and
      // cost little throughput: the next fetch is already under way while a batch is decoded.
      maxBytesPerPartition: 4 * 1024 * 1024,
      maxBytes: 16 * 1024 * 1024,
      maxWaitTimeInMs: 500,
      allowAutoTopicCreation: false,
    });
    this.admin = options.kafka.admin();
    const { GROUP_JOIN, REBALANCING, CRASH } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, (event) => {
      const assignment = event.payload.memberAssignment;
      const next = new Set<string>();
      for (const [topic, partitions] of Object.entries(assignment))
        for (const p of partitions) next.add(`${topic}:${p}`);
      for (const key of this.owned) if (!next.has(key)) this.forget(key);
      this.owned = next;
      this.generation++;
      options.log.info('partitions assigned', { signal: options.signal, partitions: [...next] });
    });
    this.consumer.on(REBALANCING, () => {
      // Until the next assignment no batch may be recorded: another writer may get these partitions.
      this.owned = new Set();
      this.generation++;
      for (const key of [...this.batches.keys()]) this.forget(key);
    });
    this.consumer.on(CRASH, (event) => {
      options.log.error('consumer crashed; kafkajs restarts it', {
        signal: options.signal,
        err: event.payload.error,
      });
    });
  }

  private forget(key: string): void {
    this.batches.delete(key);
    const [topic, partition] = [key.slice(0, key.lastIndexOf(':')), key.slice(key.lastIndexOf(':') + 1)];
    this.options.flush.metrics.lag.remove({ topic, partition });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.admin.connect();
    for (const topic of this.options.topics)
      await this.consumer.subscribe({ topic, fromBeginning: this.options.fromBeginning });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.concurrentPartitions ?? 1,
      eachBatch: (payload) => this.onBatch(payload),
    });
    // A tenth of the interval: a batch is written at most ~10% (≤ 250 ms) after it comes of age.
    this.ageTimer = setInterval(
      () => this.flushAged(),
      Math.max(20, Math.min(250, this.options.flushIntervalMs / 10)),
    );
    this.lagTimer = setInterval(() => void this.updateLag(), 5_000);
  }

  private lock(key: string, work: () => Promise<void>): Promise<void> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    this.locks.set(
      key,
      next.catch(() => undefined),
    );
    return next;
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const key = `${batch.topic}:${batch.partition}`;
    // While this partition waits for its lock (an age flush retrying through a ClickHouse outage),
    // keep the group membership alive.
    const keepAlive = setInterval(() => {
      payload.heartbeat().catch(() => undefined);
    }, 2_000);
    try {
      await this.lockedBatch(key, payload);
    } finally {
      clearInterval(keepAlive);
    }
  }

  private async lockedBatch(key: string, payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const heartbeat = (): Promise<void> => payload.heartbeat();
    await this.lock(key, async () => {
      let current = this.batches.get(key);
      if (!current) {
        current = new PartitionBatch(batch.topic, batch.partition, this.options.signal);
        this.batches.set(key, current);
      }
      const generation = this.generation;
      const stillOwned = async (): Promise<void> => {
        if (this.generation !== generation || !this.owned.has(key))
          throw new Abandoned(`partition ${key} revoked`);
        try {
          await heartbeat();
        } catch (err) {
          throw new Abandoned(`heartbeat failed (${err instanceof Error ? err.message : String(err)})`);
        }
      };
      const flushDeps = { ...this.options.flush, stillOwned };
      // Table shapes for encoding rows as records arrive; ClickHouse being down is retried here too.
      const shapeOf: ShapeLookup = (table, provided) =>
        flushDeps.schemas
          .get(table, provided) // cached after the first DESC: no round trip, no heartbeat
          .catch(() =>
            withRetry(`describe ${table}`, flushDeps, () => flushDeps.schemas.get(table, provided)),
          );
      try {
        const slice = new TimeSlice();
        for (const message of batch.messages) {
          await slice.yieldIfDue();
          if (!payload.isRunning() || payload.isStale()) break;
          const offset = Number(message.offset);
          const end = this.options.endOffsets?.get(key);
          if (end !== undefined && offset >= end) break; // replay: past its range
          // A recorded range ends before this record (offsets can skip): close it first.
          if (current.recordedEnd !== undefined && !current.empty && offset > current.recordedEnd)
            await this.flush(current, 'ledger', stillOwned);
          if (current.empty && !current.ledgerChecked) {
            current.recordedEnd = await withRetry(
              'ledger lookup',
              { ...this.options.flush, stillOwned },
              () => this.options.flush.ledger.recordedEnd(batch.topic, batch.partition, offset),
            );
            current.ledgerChecked = true;
          }
          await current.add(message, shapeOf);
          payload.resolveOffset(message.offset);
          const reason = end !== undefined && offset === end - 1 ? 'end' : this.flushReason(current, offset);
          if (reason) await this.flush(current, reason, stillOwned);
        }
        await heartbeat();
      } catch (err) {
        if (err instanceof Abandoned) {
          this.options.log.warn('batch abandoned', { key, reason: err.message });
          this.batches.delete(key);
          return;
        }
        throw err;
      }
    });
  }

  private flushReason(batch: PartitionBatch, offset: number): FlushReason | undefined {
    if (batch.recordedEnd !== undefined) return offset >= batch.recordedEnd ? 'ledger' : undefined;
    if (batch.rowCount >= this.options.batchRows) return 'rows';
    if (batch.byteCount >= this.options.batchBytes) return 'bytes';
    return undefined;
  }

  private async flush(
    batch: PartitionBatch,
    reason: FlushReason,
    stillOwned: () => Promise<void>,
  ): Promise<void> {
    if (batch.empty) return;
    const next = batch.maxOffset + 1;
    await flushBatch(batch, { ...this.options.flush, stillOwned });
    await stillOwned();
    try {
      await this.consumer.commitOffsets([
        { topic: batch.topic, partition: batch.partition, offset: String(next) },
      ]);
      this.lastCommitOk = Date.now();
      this.options.onCommitted?.(`${batch.topic}:${batch.partition}`, next);
    } catch (err) {
      // Rows are in; the next owner replays this range from the ledger and ClickHouse drops it.
      throw new Abandoned(`commit failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    const m = this.options.flush.metrics;
    m.batches.inc({ signal: this.options.signal, reason });
    m.batchRows.observe(batch.rowCount);
    m.records.inc({ signal: this.options.signal }, batch.records.length);
    batch.reset();
  }

  /** Batches whose age passed the flush interval are written even when no new record arrives. */
  private flushAged(): void {
    const now = Date.now();
    for (const [key, batch] of this.batches) {
      if (
        batch.empty ||
        now - batch.startedAt < this.options.flushIntervalMs ||
        batch.recordedEnd !== undefined
      )
        continue;
      const generation = this.generation;
      const stillOwned = (): Promise<void> => {
        if (this.generation !== generation || !this.owned.has(key))
          return Promise.reject(new Abandoned(`partition ${key} revoked`));
        return Promise.resolve();
      };
      this.lock(key, async () => {
        if (
          batch.empty ||
          Date.now() - batch.startedAt < this.options.flushIntervalMs ||
          this.batches.get(key) !== batch
        )
          return;
        await this.flush(batch, 'age', stillOwned);
      }).catch((err: unknown) => {
        if (err instanceof Abandoned) this.batches.delete(key);
        else this.options.log.error('age flush failed', { key, err });
      });
    }
  }

  private async updateLag(): Promise<void> {
    try {
      for (const topic of new Set([...this.owned].map((k) => k.slice(0, k.lastIndexOf(':'))))) {
        const [ends, committed] = await Promise.all([
          this.admin.fetchTopicOffsets(topic),
          this.admin.fetchOffsets({ groupId: this.options.groupId, topics: [topic] }),
        ]);
        const committedBy = new Map(
          committed[0]?.partitions.map((p) => [p.partition, Number(p.offset)]) ?? [],
        );
        for (const end of ends) {
          if (!this.owned.has(`${topic}:${end.partition}`)) continue;
          const done = Math.max(committedBy.get(end.partition) ?? 0, Number(end.low), 0);
          this.options.flush.metrics.lag.set(Number(end.high) - done, { topic, partition: end.partition });
        }
      }
    } catch (err) {
      this.options.log.debug('lag update failed', { err });
    }
  }

  readiness(): { ready: boolean; reason: string } {
    return {
      ready: !this.stopping,
      reason: `last commit ${Math.round((Date.now() - this.lastCommitOk) / 1000)} s ago`,
    };
  }

  /** Flushes what can be flushed within the deadline, commits, and leaves the group. */
  async stop(deadlineMs: number): Promise<void> {
    this.stopping = true;
    if (this.ageTimer) clearInterval(this.ageTimer);
    if (this.lagTimer) clearInterval(this.lagTimer);
    const deadline = Date.now() + deadlineMs;
    const flushes = [...this.batches].map(([key, batch]) =>
      this.lock(key, async () => {
        if (batch.empty || batch.recordedEnd !== undefined) return;
        const generation = this.generation;
        await this.flush(batch, 'shutdown', () =>
          Date.now() > deadline || this.generation !== generation
            ? Promise.reject(new Abandoned('shutdown deadline'))
            : Promise.resolve(),
        );
      }).catch(() => undefined),
    );
    await Promise.race([
      Promise.all(flushes),
      new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())).unref()),
    ]);
    await this.consumer.disconnect().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }
}
