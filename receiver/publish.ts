/**
 * Publishing records to Kafka with acks=all through one idempotent producer, answering each request
 * only when every one of its records is acknowledged.
 *
 * Records of concurrent requests are gathered into one produce call while the previous one is in
 * flight (one in flight at a time keeps the idempotent sequence simple and batches naturally). Each
 * call holds at most `maxPartitionBatchBytes` per partition, so no record batch outgrows a broker's
 * message.max.bytes however many 1 MB records a split request made. Memory is bounded by the
 * in-flight byte budget: above it requests are refused (OVERLOADED) instead of queued.
 */
import { KAFKA_DEFAULT_MAX_MESSAGE_BYTES } from '../schemas/topics.js';
import { TributaryError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import {
  KafkaError,
  type KafkaAdmin,
  type KafkaPort,
  type KafkaProducer,
  type OutgoingRecord as PartitionedRecord,
} from '../kafka/port.js';
import { type PartitionerName, RoundRobin, keyPartitioner } from './partitioner.js';
import { batchOverheadBytes, headerBytes, recordOverheadBytes } from './record-size.js';

/** A record before its partition is chosen. */
export interface OutgoingRecord {
  readonly topic: string;
  readonly key: Buffer | null;
  readonly value: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
}

export interface PublisherOptions {
  readonly kafka: KafkaPort;
  readonly topics: readonly string[];
  readonly compression: 'none' | 'gzip';
  /** How keyed records are hashed to a partition (default murmur2). */
  readonly partitioner?: PartitionerName;
  readonly produceTimeoutMs: number;
  readonly maxInflightBytes: number;
  readonly maxPartitionBatchBytes: number;
  /** How long Kafka may keep failing before readiness does (a blip must not empty the fleet). */
  readonly unreadyAfterMs?: number;
  readonly log: Logger;
}

interface Pending {
  readonly record: PartitionedRecord;
  /** Encoded size in a record batch: value, key, headers and per-record framing. */
  readonly size: number;
  readonly request: RequestState;
}

interface RequestState {
  remaining: number;
  settled: boolean;
  readonly bytes: number;
  resolve(): void;
  reject(err: TributaryError): void;
}

export class Publisher {
  private readonly options: PublisherOptions;
  private producer: KafkaProducer;
  private readonly admin: KafkaAdmin;
  private partitions = new Map<string, number>();
  private readonly roundRobin = new RoundRobin();
  private readonly keyPartition: (key: Uint8Array, partitions: number) => number;
  /** Bytes one partition's record batch may hold in one produce call (broker limit and config). */
  private partitionBatchBytes: number;
  /** Halved after MESSAGE_TOO_LARGE, restored step by step after successes. */
  private splitFactor = 1;
  private queue: Pending[] = [];
  private inFlight = false;
  private inflightBytes = 0;
  private lastOk = 0;
  private lastError = '';
  /** When the current run of failures began (no success since); undefined while healthy. */
  private failingSince: number | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private needsNewProducer = false;

  constructor(options: PublisherOptions) {
    this.options = options;
    this.producer = this.createProducer();
    this.admin = options.kafka.admin();
    this.partitionBatchBytes = options.maxPartitionBatchBytes;
    this.keyPartition = keyPartitioner(options.partitioner ?? 'murmur2');
  }

  private createProducer(): KafkaProducer {
    return this.options.kafka.producer({
      compression: this.options.compression,
      timeoutMs: this.options.produceTimeoutMs,
    });
  }

  /** The largest record batch the brokers accept for our topics (Kafka's default if unreadable). */
  private async brokerLimit(): Promise<number> {
    let limit = Infinity;
    for (const topic of this.options.topics) {
      try {
        const value = Number((await this.admin.topicConfig(topic))['max.message.bytes']);
        limit = Math.min(
          limit,
          Number.isFinite(value) && value > 0 ? value : KAFKA_DEFAULT_MAX_MESSAGE_BYTES,
        );
      } catch {
        limit = Math.min(limit, KAFKA_DEFAULT_MAX_MESSAGE_BYTES);
      }
    }
    return limit;
  }

  /** The per-partition batch budget: the configured cap, never more than the broker accepts. */
  get maxBatchBytes(): number {
    return this.partitionBatchBytes;
  }

  async start(): Promise<void> {
    const limit = await this.brokerLimit();
    this.partitionBatchBytes = Math.min(this.options.maxPartitionBatchBytes, limit - batchOverheadBytes());
    if (this.partitionBatchBytes < this.options.maxPartitionBatchBytes)
      this.options.log.info('record batches capped by the broker limit', {
        maxMessageBytes: limit,
        partitionBatchBytes: this.partitionBatchBytes,
      });
    // Just-created topics answer NOT_LEADER for a moment; give them a few seconds before giving up.
    for (let attempt = 0; ; attempt++) {
      try {
        await this.refreshMetadata();
        break;
      } catch (err) {
        if (attempt >= 20) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    this.refreshTimer = setInterval(() => {
      this.refreshMetadata().catch((err: unknown) => {
        this.lastError = `metadata refresh failed: ${errorMessage(err)}`;
        this.failingSince ??= Date.now();
      });
    }, 5_000);
    this.refreshTimer.unref();
  }

  /** Partition lists of our topics; fails clearly when a topic does not exist. */
  private async refreshMetadata(): Promise<void> {
    // A forced metadata request: it asks a broker now, so it doubles as the readiness probe.
    const topics = await this.admin.describeTopics(this.options.topics);
    for (const topic of topics) this.partitions.set(topic.name, topic.partitions);
    this.lastOk = Date.now();
    this.failingSince = undefined;
  }

  /**
   * Ready while Kafka answers. Hysteresis: failures must last `unreadyAfterMs` before readiness
   * fails (Kafka is probed every 5 s and by every produce), so a leader election or one slow
   * broker does not take every receiver out of the load balancer at once; one success makes it
   * ready again. The reason says which case applies.
   */
  readiness(): { ready: boolean; reason: string } {
    if (this.closed) return { ready: false, reason: 'shutting down' };
    const now = Date.now();
    const tolerance = this.options.unreadyAfterMs ?? 10_000;
    if (this.lastOk === 0) return { ready: false, reason: 'kafka not reached yet' };
    if (this.failingSince !== undefined) {
      const failing = now - this.failingSince;
      const error = this.lastError || 'kafka not reachable';
      if (failing >= tolerance)
        return { ready: false, reason: `kafka failing for ${Math.round(failing / 1000)} s: ${error}` };
      return {
        ready: true,
        reason: `kafka failing for ${Math.round(failing / 1000)} s (tolerated up to ${tolerance / 1000} s): ${error}`,
      };
    }
    const quiet = now - this.lastOk;
    if (quiet > Math.max(30_000, tolerance))
      return { ready: false, reason: `no answer from kafka for ${Math.round(quiet / 1000)} s` };
    return { ready: true, reason: 'kafka reachable' };
  }

  get bytesInFlight(): number {
    return this.inflightBytes;
  }

  /**
   * Throws OVERLOADED while the bytes waiting for Kafka are at receiver.maxInflightBytes: admission
   * asks before a request's body is read, so a request that publish() would refuse is refused
   * before it costs memory (under 2× overload, reading such bodies first held ~150 MiB of them).
   */
  checkBacklog(): void {
    if (this.inflightBytes >= this.options.maxInflightBytes) throw this.busy();
  }

  private busy(): TributaryError {
    return new TributaryError(
      'OVERLOADED',
      `receiver busy: ${this.inflightBytes} bytes waiting for Kafka (limit ${this.options.maxInflightBytes})`,
    );
  }

  private choosePartition(record: OutgoingRecord): number {
    const partitions = this.partitions.get(record.topic);
    if (!partitions)
      throw new TributaryError(
        'KAFKA_UNAVAILABLE',
        `topic ${record.topic} has no known partitions (does it exist?)`,
      );
    // An empty key is hashed too (see partitioner.ts); only null is keyless.
    return record.key !== null
      ? this.keyPartition(record.key, partitions)
      : this.roundRobin.partition(record.topic, partitions);
  }

  /** Resolves once Kafka acknowledged every record; rejects with a retryable TributaryError otherwise. */
  publish(records: readonly OutgoingRecord[]): Promise<void> {
    if (this.closed)
      return Promise.reject(new TributaryError('SHUTTING_DOWN', 'the receiver is shutting down'));
    const bytes = records.reduce((sum, r) => sum + r.value.length, 0);
    if (this.inflightBytes + bytes > this.options.maxInflightBytes && this.inflightBytes > 0)
      return Promise.reject(this.busy());
    return new Promise<void>((resolve, reject) => {
      const request: RequestState = { remaining: records.length, settled: false, bytes, resolve, reject };
      let partitioned: Pending[];
      try {
        // The records of one request share their headers object: size it once.
        let sized: Readonly<Record<string, string>> | undefined;
        let headersSize = 0;
        partitioned = records.map((record) => {
          if (record.headers !== sized) {
            sized = record.headers;
            headersSize = headerBytes(record.headers);
          }
          return {
            record: { ...record, partition: this.choosePartition(record) },
            size: record.value.length + recordOverheadBytes(record.key, headersSize),
            request,
          };
        });
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      this.inflightBytes += bytes;
      const timer = setTimeout(() => {
        // Records not yet handed to Kafka are withdrawn so a retried request does not duplicate them.
        this.queue = this.queue.filter((p) => p.request !== request);
        this.lastError = `Kafka did not acknowledge within ${this.options.produceTimeoutMs} ms`;
        this.failingSince ??= Date.now();
        this.fail(
          request,
          new TributaryError(
            'KAFKA_UNAVAILABLE',
            `Kafka did not acknowledge within ${this.options.produceTimeoutMs} ms`,
          ),
        );
      }, this.options.produceTimeoutMs);
      const settle = (): void => clearTimeout(timer);
      request.resolve = () => {
        settle();
        resolve();
      };
      request.reject = (err) => {
        settle();
        reject(err);
      };
      if (records.length === 0) {
        this.succeed(request);
        return;
      }
      this.queue.push(...partitioned);
      this.pump();
    });
  }

  private succeed(request: RequestState): void {
    if (request.settled) return;
    request.settled = true;
    this.inflightBytes -= request.bytes;
    request.resolve();
  }

  private fail(request: RequestState, err: TributaryError): void {
    if (request.settled) return;
    request.settled = true;
    this.inflightBytes -= request.bytes;
    request.reject(err);
  }

  /**
   * Takes the next produce call's records: FIFO, and per partition at most the batch budget counted
   * in encoded bytes (values, keys, headers and record framing), so no record batch outgrows the
   * broker's limit however many small records a burst brings.
   */
  private takeBatch(): Pending[] {
    const taken: Pending[] = [];
    const kept: Pending[] = [];
    const bytesPerPartition = new Map<string, number>();
    const closedPartitions = new Set<string>();
    const budget = Math.max(1, Math.floor(this.partitionBatchBytes / this.splitFactor));
    for (const pending of this.queue) {
      const slot = `${pending.record.topic}\u0000${pending.record.partition}`;
      const used = bytesPerPartition.get(slot) ?? 0;
      const size = pending.size;
      if (!closedPartitions.has(slot) && (used === 0 || used + size <= budget)) {
        taken.push(pending);
        bytesPerPartition.set(slot, used + size);
      } else {
        closedPartitions.add(slot); // keep per-partition order: nothing after a deferred record jumps ahead
        kept.push(pending);
      }
    }
    this.queue = kept;
    return taken;
  }

  private pump(): void {
    if (this.inFlight || this.queue.length === 0) return;
    this.inFlight = true;
    void this.sendNext().finally(() => {
      this.inFlight = false;
      this.pump();
    });
  }

  /** One produce call for the next batch; after a failure the producer is rebuilt first. */
  private async sendNext(): Promise<void> {
    if (this.needsNewProducer) {
      const old = this.producer;
      this.producer = this.createProducer();
      this.needsNewProducer = false;
      void old.close();
    }
    const batch = this.takeBatch();
    if (batch.length === 0) return;
    try {
      await this.producer.send(batch.map((p) => p.record));
      this.lastOk = Date.now();
      this.failingSince = undefined;
      if (this.splitFactor > 1) this.splitFactor /= 2;
      for (const { request } of batch) {
        request.remaining--;
        if (request.remaining === 0) this.succeed(request);
      }
    } catch (err) {
      if (err instanceof KafkaError && err.code === 'MESSAGE_TOO_LARGE' && batch.length > 1) {
        // The broker's limit is lower than we knew: send the same records again in smaller batches
        // (first in the queue, so their order per partition is kept).
        this.splitFactor = Math.min(this.splitFactor * 2, 1024);
        this.options.log.warn('record batch too large for the broker; splitting', {
          records: batch.length,
          splitFactor: this.splitFactor,
        });
        const live = batch.filter((p) => !p.request.settled);
        this.queue = [...live, ...this.queue];
        return;
      }
      this.lastError = errorMessage(err);
      this.failingSince ??= Date.now();
      this.options.log.warn('produce failed', { err, records: batch.length });
      const failure = new TributaryError(
        'KAFKA_UNAVAILABLE',
        `Kafka refused the records: ${errorMessage(err)}`,
        { cause: err },
      );
      for (const { request } of batch) this.fail(request, failure);
      // Withdraw the rest of failed requests too: their clients are told to retry.
      const failed = new Set(batch.map((p) => p.request));
      this.queue = this.queue.filter((p) => !failed.has(p.request));
      // After a failed send the idempotent producer may be fenced; a fresh one starts a new sequence.
      if (!this.closed) this.needsNewProducer = true;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    await Promise.allSettled([this.producer.close(), this.admin.close()]);
  }
}
