/** Records that can never be written go to `<topic>.dlq` with their bytes, key and headers, plus why. */
import type { IHeaders, Kafka, KafkaMessage, Producer } from '../core/kafka.js';

export const DLQ_HEADERS = {
  code: 'tributary.error.code',
  message: 'tributary.error.message',
  topic: 'tributary.source.topic',
  partition: 'tributary.source.partition',
  offset: 'tributary.source.offset',
} as const;

export interface DeadLetter {
  readonly topic: string;
  readonly partition: number;
  readonly message: KafkaMessage;
  readonly code: string;
  readonly reason: string;
}

export class DeadLetterQueue {
  private readonly producer: Producer;
  private connected: Promise<void> | undefined;

  constructor(kafka: Kafka) {
    this.producer = kafka.producer({ allowAutoTopicCreation: false });
  }

  async send(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    this.connected ??= this.producer.connect();
    await this.connected;
    const byTopic = new Map<string, { key: Buffer | null; value: Buffer | null; headers: IHeaders }[]>();
    for (const letter of letters) {
      const topic = `${letter.topic}.dlq`;
      const list = byTopic.get(topic) ?? [];
      list.push({
        key: letter.message.key,
        value: letter.message.value,
        headers: {
          ...(letter.message.headers ?? {}),
          [DLQ_HEADERS.code]: letter.code,
          [DLQ_HEADERS.message]: letter.reason.slice(0, 1000),
          [DLQ_HEADERS.topic]: letter.topic,
          [DLQ_HEADERS.partition]: String(letter.partition),
          [DLQ_HEADERS.offset]: letter.message.offset,
        },
      });
      byTopic.set(topic, list);
    }
    await this.producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
  }

  async close(): Promise<void> {
    if (this.connected) await this.producer.disconnect();
  }
}
