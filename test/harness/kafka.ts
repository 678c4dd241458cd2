/** Kafka helpers for tests: unique topics, and reading records back. */
import { type Admin, createKafka, type KafkaMessage } from '../../core/kafka.js';
import { ensureTopics } from '../../deploy/local/kafka/topics.js';
import { kafkaBrokers, uniqueName } from './env.js';

export interface ReadRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer;
  readonly headers: Record<string, string>;
}

/** A fresh topic prefix with the three OTLP topics (and their DLQs) created. */
export async function freshTopics(
  partitions = 3,
): Promise<{ prefix: string; traces: string; metrics: string; logs: string }> {
  const prefix = `${uniqueName('t')}.`;
  const names = {
    traces: `${prefix}otlp_spans`,
    metrics: `${prefix}otlp_metrics`,
    logs: `${prefix}otlp_logs`,
  };
  const all = Object.values(names);
  await ensureTopics(kafkaBrokers(), [...all, ...all.map((t) => `${t}.dlq`)], partitions, 1);
  return { prefix, ...names };
}

function headersOf(message: KafkaMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(message.headers ?? {}))
    if (v !== undefined) out[k] = Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
  return out;
}

/** Reads every record of `topic` from the beginning until `count` arrived (or the timeout). */
export async function readRecords(topic: string, count: number, timeoutMs = 20_000): Promise<ReadRecord[]> {
  const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'test-reader' });
  const consumer = kafka.consumer({ groupId: uniqueName('reader'), maxBytes: 64 * 1024 * 1024 });
  const records: ReadRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`read ${records.length} of ${count} records from ${topic} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      consumer
        .run({
          eachMessage: ({ topic: t, partition, message }) => {
            records.push({
              topic: t,
              partition,
              offset: message.offset,
              key: message.key,
              value: message.value ?? Buffer.alloc(0),
              headers: headersOf(message),
            });
            if (records.length >= count) {
              clearTimeout(timer);
              resolve();
            }
            return Promise.resolve();
          },
        })
        .catch(reject);
      if (count === 0) {
        clearTimeout(timer);
        resolve();
      }
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/** Topic offsets, retried while a just-created topic's leaders settle (NOT_LEADER for a moment). */
export async function topicOffsets(
  admin: Admin,
  topic: string,
): Promise<{ partition: number; high: string; low: string }[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (err) {
      if (attempt >= 25) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Sum of high watermarks: how many records a topic holds. */
export async function topicSize(topic: string): Promise<number> {
  const admin = createKafka({ brokers: kafkaBrokers(), clientId: 'test-admin' }).admin();
  await admin.connect();
  try {
    const offsets = await topicOffsets(admin, topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}
