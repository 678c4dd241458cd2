/** Records that can never be written go to `<topic>.dlq` with their bytes, key and headers, plus why. */
import type { ErrorCode } from '../core/errors.js';
import type { IncomingRecord, KafkaAdmin, KafkaPort, KafkaProducer, OutgoingRecord } from '../kafka/port.js';
import { DLQ_HEADERS, KAFKA_DEFAULT_MAX_MESSAGE_BYTES, dlqTopic } from '../schemas/topics.js';

export { DLQ_HEADERS } from '../schemas/topics.js';

/** A record batch's header and the produce request's per-partition framing. */
const BATCH_OVERHEAD_BYTES = 128;

/**
 * A letter that alone outgrows `limit` keeps its key and headers and as much of its value as fits,
 * and says so (DLQ_HEADERS.trimmed = the original value's size): a letter Kafka refuses would stop
 * its partition for good, while a trimmed one still tells the operator what failed and where.
 */
function fitted(letter: OutgoingRecord, limit: number): OutgoingRecord {
  const room = limit - BATCH_OVERHEAD_BYTES;
  if (letterBytes(letter) <= room) return letter;
  const headers = { ...letter.headers, [DLQ_HEADERS.trimmed]: String(letter.value.length) };
  const keep = Math.max(0, room - letterBytes({ ...letter, headers, value: Buffer.alloc(0) }));
  return { ...letter, headers, value: letter.value.subarray(0, keep) };
}

/** A letter's size in a record batch, counted generously: value, key, headers, record framing. */
function letterBytes(letter: OutgoingRecord): number {
  let size = 32 + letter.value.length + (letter.key?.length ?? 0);
  for (const [name, value] of Object.entries(letter.headers))
    size +=
      10 + Buffer.byteLength(name) + (typeof value === 'string' ? Buffer.byteLength(value) : value.length);
  return size;
}

export type DeadLetterCode = ErrorCode | `CLICKHOUSE_${number}`;

export interface DeadLetter {
  readonly record: IncomingRecord;
  /** From the one error catalog (core/errors.ts), or ClickHouse's own error code when it refused the row. */
  readonly code: DeadLetterCode;
  readonly reason: string;
}

export class DeadLetterQueue {
  private readonly producer: KafkaProducer;
  private readonly admin: KafkaAdmin;
  private readonly partitions = new Map<string, number>();
  private readonly limits = new Map<string, number>();

  constructor(kafka: KafkaPort) {
    this.producer = kafka.producer({ compression: 'none', timeoutMs: 30_000 });
    this.admin = kafka.admin();
  }

  private async partitionsOf(topic: string): Promise<number> {
    let count = this.partitions.get(topic);
    if (count === undefined) {
      const [info] = await this.admin.describeTopics([topic]);
      count = info!.partitions;
      this.partitions.set(topic, count);
    }
    return count;
  }

  /** The DLQ topic's max.message.bytes (Kafka's default when its configuration cannot be read). */
  private async limitOf(topic: string): Promise<number> {
    let limit = this.limits.get(topic);
    if (limit === undefined) {
      try {
        limit = Number((await this.admin.topicConfig(topic))['max.message.bytes']);
      } catch {
        limit = NaN;
      }
      if (!Number.isFinite(limit) || limit <= 0) limit = KAFKA_DEFAULT_MAX_MESSAGE_BYTES;
      this.limits.set(topic, limit);
    }
    return limit;
  }

  /** Resolves when Kafka acknowledged every letter (acks=all); rejects with a KafkaError otherwise. */
  async send(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    const out: OutgoingRecord[] = [];
    let limit = Infinity;
    for (const { record, code, reason } of letters) {
      const topic = dlqTopic(record.topic);
      const topicLimit = await this.limitOf(topic);
      limit = Math.min(limit, topicLimit);
      const headers: Record<string, string | Buffer> = Object.fromEntries(record.headers);
      headers[DLQ_HEADERS.code] = code;
      headers[DLQ_HEADERS.message] = reason.slice(0, 1000);
      headers[DLQ_HEADERS.topic] = record.topic;
      headers[DLQ_HEADERS.partition] = String(record.partition);
      headers[DLQ_HEADERS.offset] = String(record.offset);
      out.push(
        fitted(
          {
            topic,
            // The source partition, folded onto the DLQ's partitions: letters keep their source order.
            partition: record.partition % (await this.partitionsOf(topic)),
            key: record.key,
            value: record.value ?? Buffer.alloc(0),
            headers,
          },
          topicLimit,
        ),
      );
    }
    // Several letters of up to a record's size each would outgrow one record batch: send them in
    // groups that fit the DLQ topic's limit, one after another (source order kept).
    let group: OutgoingRecord[] = [];
    let groupBytes = 0;
    for (const letter of out) {
      const size = letterBytes(letter);
      if (group.length > 0 && groupBytes + size > limit - BATCH_OVERHEAD_BYTES) {
        await this.producer.send(group);
        group = [];
        groupBytes = 0;
      }
      group.push(letter);
      groupBytes += size;
    }
    await this.producer.send(group);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.producer.close(), this.admin.close()]);
  }
}
