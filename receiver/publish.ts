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
import {
  type Admin,
  CompressionTypes,
  type IHeaders,
  type Kafka,
  type PartitionMetadata,
  Partitioners,
  type Producer,
} from '../core/kafka.js';
import { TributaryError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/log.js';

export interface OutgoingRecord {
  readonly topic: string;
  readonly key: Buffer | null;
  readonly value: Uint8Array;
  readonly headers: IHeaders;
}

export interface PublisherOptions {
  readonly kafka: Kafka;
  readonly topics: readonly string[];
  readonly compression: 'none' | 'gzip';
  readonly produceTimeoutMs: number;
  readonly maxInflightBytes: number;
  readonly maxPartitionBatchBytes: number;
  readonly log: Logger;
}

interface Pending {
  readonly record: OutgoingRecord;
  readonly partition: number;
  readonly request: RequestState;
}

interface RequestState {
  remaining: number;
  settled: boolean;
  readonly bytes: number;
  resolve(): void;
  reject(err: TributaryError): void;
}

const murmur2Partitioner = Partitioners.DefaultPartitioner();

export class Publisher {
  private readonly options: PublisherOptions;
  private producer: Producer;
  private readonly admin: Admin;
  private partitions = new Map<string, PartitionMetadata[]>();
  private readonly roundRobin = new Map<string, number>();
  private queue: Pending[] = [];
  private inFlight = false;
  private inflightBytes = 0;
  private lastOk = 0;
  private lastError = '';
  private lastFailureAt = 0;
  private refreshTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private needsNewProducer = false;

  constructor(options: PublisherOptions) {
    this.options = options;
    this.producer = this.createProducer();
    this.admin = options.kafka.admin();
  }

  private createProducer(): Producer {
    return this.options.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 5_000 },
    });
  }

  async start(): Promise<void> {
    await this.producer.connect();
    await this.admin.connect();
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
        this.lastFailureAt = Date.now();
      });
    }, 5_000);
    this.refreshTimer.unref();
  }

  /** Partition lists of our topics; fails clearly when a topic does not exist. */
  private async refreshMetadata(): Promise<void> {
    const metadata = await this.admin.fetchTopicMetadata({ topics: [...this.options.topics] });
    for (const topic of metadata.topics) this.partitions.set(topic.name, topic.partitions);
    // Metadata may come from kafkajs's cache; listing offsets asks the partition leaders themselves.
    await this.admin.fetchTopicOffsets(this.options.topics[0]!);
    this.lastOk = Date.now();
  }

  /** Ready while the last exchange with Kafka succeeded and was recent (offsets are probed every 5 s). */
  readiness(): { ready: boolean; reason: string } {
    const ok = this.lastOk > this.lastFailureAt && Date.now() - this.lastOk < 30_000 && !this.closed;
    return { ready: ok, reason: ok ? 'kafka reachable' : this.lastError || 'kafka not reachable' };
  }

  get bytesInFlight(): number {
    return this.inflightBytes;
  }

  private choosePartition(record: OutgoingRecord): number {
    const partitions = this.partitions.get(record.topic);
    if (!partitions || partitions.length === 0)
      throw new TributaryError(
        'KAFKA_UNAVAILABLE',
        `topic ${record.topic} has no known partitions (does it exist?)`,
      );
    if (record.key)
      return murmur2Partitioner({
        topic: record.topic,
        partitionMetadata: partitions,
        message: { key: record.key, value: null },
      });
    const next = (this.roundRobin.get(record.topic) ?? 0) + 1;
    this.roundRobin.set(record.topic, next);
    return partitions[next % partitions.length]!.partitionId;
  }

  /** Resolves once Kafka acknowledged every record; rejects with a retryable TributaryError otherwise. */
  publish(records: readonly OutgoingRecord[]): Promise<void> {
    if (this.closed)
      return Promise.reject(new TributaryError('SHUTTING_DOWN', 'the receiver is shutting down'));
    const bytes = records.reduce((sum, r) => sum + r.value.length, 0);
    if (this.inflightBytes + bytes > this.options.maxInflightBytes && this.inflightBytes > 0)
      return Promise.reject(
        new TributaryError(
          'OVERLOADED',
          `receiver busy: ${this.inflightBytes} bytes waiting for Kafka (limit ${this.options.maxInflightBytes})`,
        ),
      );
    return new Promise<void>((resolve, reject) => {
      const request: RequestState = { remaining: records.length, settled: false, bytes, resolve, reject };
      let partitioned: Pending[];
      try {
        partitioned = records.map((record) => ({ record, partition: this.choosePartition(record), request }));
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      this.inflightBytes += bytes;
      const timer = setTimeout(() => {
        // Records not yet handed to Kafka are withdrawn so a retried request does not duplicate them.
        this.queue = this.queue.filter((p) => p.request !== request);
        this.lastError = `Kafka did not acknowledge within ${this.options.produceTimeoutMs} ms`;
        this.lastFailureAt = Date.now();
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

  /** Takes the next produce call's records: FIFO, at most maxPartitionBatchBytes per partition. */
  private takeBatch(): Pending[] {
    const taken: Pending[] = [];
    const kept: Pending[] = [];
    const bytesPerPartition = new Map<string, number>();
    const closedPartitions = new Set<string>();
    for (const pending of this.queue) {
      const slot = `${pending.record.topic}\u0000${pending.partition}`;
      const used = bytesPerPartition.get(slot) ?? 0;
      const size = pending.record.value.length;
      if (!closedPartitions.has(slot) && (used === 0 || used + size <= this.options.maxPartitionBatchBytes)) {
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
      old.disconnect().catch(() => undefined);
      try {
        await this.producer.connect();
        this.needsNewProducer = false;
      } catch (err) {
        this.lastError = `reconnect failed: ${errorMessage(err)}`;
        this.lastFailureAt = Date.now();
        // Waiting requests keep their own deadlines; try again shortly without spinning.
        await new Promise((r) => setTimeout(r, 500));
        return;
      }
    }
    const batch = this.takeBatch();
    if (batch.length === 0) return;
    const byTopic = new Map<
      string,
      { key: Buffer | null; value: Buffer; headers: IHeaders; partition: number }[]
    >();
    for (const { record, partition } of batch) {
      const list = byTopic.get(record.topic) ?? [];
      list.push({
        key: record.key,
        value: Buffer.from(record.value.buffer, record.value.byteOffset, record.value.byteLength),
        headers: record.headers,
        partition,
      });
      byTopic.set(record.topic, list);
    }
    try {
      await this.producer.sendBatch({
        acks: -1,
        timeout: this.options.produceTimeoutMs,
        compression: this.options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      this.lastOk = Date.now();
      for (const { request } of batch) {
        request.remaining--;
        if (request.remaining === 0) this.succeed(request);
      }
    } catch (err) {
      this.lastError = errorMessage(err);
      this.lastFailureAt = Date.now();
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
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()]);
  }
}
