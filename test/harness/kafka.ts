/** Kafka helpers for tests, through the Kafka port: unique topics, producing, reading records back. */
import { createKafka } from '../../kafka/create.js';
import type { KafkaAdmin, KafkaPort, PartitionOffsets } from '../../kafka/port.js';
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

export interface TestMessage {
  readonly value: Buffer | Uint8Array;
  readonly key?: Buffer | null;
  readonly partition?: number;
  readonly headers?: Record<string, string>;
}

export function testKafka(brokers: readonly string[] = kafkaBrokers(), clientId = 'test'): KafkaPort {
  return createKafka({ brokers, clientId });
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

/** Produces messages (acks=all) to `topic`; without a partition, round robin over its partitions. */
export async function produce(
  topic: string,
  messages: readonly TestMessage[],
  brokers: readonly string[] = kafkaBrokers(),
): Promise<void> {
  const kafka = testKafka(brokers, 'test-producer');
  const admin = kafka.admin();
  const producer = kafka.producer({ compression: 'none', timeoutMs: 30_000 });
  try {
    const [info] = await admin.describeTopics([topic]);
    let next = 0;
    await producer.send(
      messages.map((m) => ({
        topic,
        partition: m.partition ?? next++ % info!.partitions,
        key: m.key ?? null,
        value: m.value,
        headers: m.headers ?? {},
      })),
    );
  } finally {
    await Promise.allSettled([producer.close(), admin.close()]);
  }
}

/** Reads every record of `topic` from the beginning until `count` arrived (or the timeout). */
export async function readRecords(
  topic: string,
  count: number,
  timeoutMs = 20_000,
  brokers: readonly string[] = kafkaBrokers(),
): Promise<ReadRecord[]> {
  const kafka = testKafka(brokers, 'test-reader');
  const admin = kafka.admin();
  const reader = kafka.reader();
  const records: ReadRecord[] = [];
  try {
    const offsets = await topicOffsets(admin, topic);
    const positions = new Map(offsets.map((o) => [o.partition, o.low]));
    const deadline = Date.now() + timeoutMs;
    while (records.length < count) {
      if (Date.now() > deadline)
        throw new Error(`read ${records.length} of ${count} records from ${topic} in ${timeoutMs} ms`);
      const fetched = await reader.fetch(
        [...positions].map(([partition, position]) => ({ topic, partition, position })),
        {
          maxWaitMs: 200,
          maxBytesPerPartition: 16 * 1024 * 1024,
          maxBytes: 64 * 1024 * 1024,
          isolation: 'read_committed',
        },
      );
      for (const part of fetched) {
        if (part.error) continue;
        for (const r of part.records)
          records.push({
            topic,
            partition: r.partition,
            offset: String(r.offset),
            key: r.key,
            value: r.value ?? Buffer.alloc(0),
            headers: Object.fromEntries([...r.headers].map(([k, v]) => [k, v.toString('utf8')])),
          });
        positions.set(part.partition, part.nextPosition);
      }
    }
  } finally {
    await Promise.allSettled([reader.close(), admin.close()]);
  }
  return records;
}

/** Topic offsets, retried while a just-created topic's leaders settle (NOT_LEADER for a moment). */
export async function topicOffsets(admin: KafkaAdmin, topic: string): Promise<PartitionOffsets[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await admin.offsets(topic);
    } catch (err) {
      if (attempt >= 25) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** How many records a topic holds (high minus low watermark, summed). */
export async function topicSize(topic: string, brokers: readonly string[] = kafkaBrokers()): Promise<number> {
  const admin = testKafka(brokers, 'test-admin').admin();
  try {
    const offsets = await topicOffsets(admin, topic);
    return offsets.reduce((sum, p) => sum + p.high - p.low, 0);
  } finally {
    await admin.close();
  }
}
