/** Records that can never be written go to `<topic>.dlq` with their bytes, key and headers, plus why. */
import type { IncomingRecord, KafkaAdmin, KafkaPort, KafkaProducer } from '../kafka/port.js';
import { DLQ_HEADERS, dlqTopic } from '../schemas/topics.js';

export { DLQ_HEADERS } from '../schemas/topics.js';

export interface DeadLetter {
  readonly record: IncomingRecord;
  readonly code: string;
  readonly reason: string;
}

export class DeadLetterQueue {
  private readonly producer: KafkaProducer;
  private readonly admin: KafkaAdmin;
  private readonly partitions = new Map<string, number>();

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

  /** Resolves when Kafka acknowledged every letter (acks=all); rejects with a KafkaError otherwise. */
  async send(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    const out = [];
    for (const { record, code, reason } of letters) {
      const topic = dlqTopic(record.topic);
      const headers: Record<string, string | Buffer> = Object.fromEntries(record.headers);
      headers[DLQ_HEADERS.code] = code;
      headers[DLQ_HEADERS.message] = reason.slice(0, 1000);
      headers[DLQ_HEADERS.topic] = record.topic;
      headers[DLQ_HEADERS.partition] = String(record.partition);
      headers[DLQ_HEADERS.offset] = String(record.offset);
      out.push({
        topic,
        // The source partition, folded onto the DLQ's partitions: letters keep their source order.
        partition: record.partition % (await this.partitionsOf(topic)),
        key: record.key,
        value: record.value ?? Buffer.alloc(0),
        headers,
      });
    }
    await this.producer.send(out);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.producer.close(), this.admin.close()]);
  }
}
