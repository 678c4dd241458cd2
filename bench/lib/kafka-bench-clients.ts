/**
 * The two Kafka clients of `npm run bench:kafka`, behind one small bench-only interface: kafkajs 2.2.4
 * (the baseline tributary used before; a devDependency for this bench ONLY, never imported by the
 * product) and @platformatic/kafka through tributary's own port (kafka/create.ts), i.e. the code the
 * receiver and writer run. Both produce idempotently with acks=all to the partitions the caller picks.
 */
import { Kafka, logLevel } from 'kafkajs';
import { createKafka } from '../../kafka/create.js';
import type { FetchOptions, GroupFence, KafkaPort } from '../../kafka/port.js';
import { partitionKey } from '../../kafka/port.js';

export interface BenchRecord {
  readonly partition: number;
  readonly value: Buffer;
}

export interface BenchProducer {
  send(topic: string, records: readonly BenchRecord[]): Promise<void>;
  close(): Promise<void>;
}

export interface Consumed {
  readonly partition: number;
  readonly offset: number;
  readonly value: Buffer | null;
}

export type GroupProtocol = 'classic' | 'consumer';

export interface BenchClient {
  readonly name: string;
  readonly protocols: readonly GroupProtocol[];
  producer(): Promise<BenchProducer>;
  /** Reads `topic` from offset 0 until `total` records arrived; returns the first and last arrival times. */
  readAll(topic: string, partitions: number, total: number): Promise<{ first: number; last: number }>;
  /** A group member calling `onRecord` for every record it reads; resolves once it has joined. */
  member(
    groupId: string,
    topic: string,
    protocol: GroupProtocol,
    onRecord: (r: Consumed) => void,
  ): Promise<{ stop(): Promise<void> }>;
}

const MAX_PARTITION_BYTES = 4 * 1024 * 1024;
const MAX_BYTES = 16 * 1024 * 1024;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function kafkajsClient(brokers: readonly string[]): BenchClient {
  const kafka = new Kafka({
    clientId: 'bench-kafkajs',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    retry: { retries: 5 },
  });
  let groups = 0;
  return {
    name: 'kafkajs 2.2.4',
    protocols: ['classic'],
    async producer() {
      // kafkajs requires one request in flight for idempotence.
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      return {
        async send(topic, records) {
          await producer.send({
            topic,
            acks: -1,
            timeout: 30_000,
            messages: records.map((r) => ({ partition: r.partition, value: r.value })),
          });
        },
        close: () => producer.disconnect(),
      };
    },
    async readAll(topic, _partitions, total) {
      const consumer = kafka.consumer({
        groupId: `bench-read-${process.pid}-${groups++}`,
        maxBytesPerPartition: MAX_PARTITION_BYTES,
        maxBytes: MAX_BYTES,
      });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      let n = 0;
      let first = 0;
      const done = new Promise<number>((resolve) => {
        void consumer.run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            if (n === 0) first = performance.now();
            n += batch.messages.length;
            if (n >= total) resolve(performance.now());
            await Promise.resolve();
          },
        });
      });
      const last = await done;
      await consumer.disconnect();
      return { first, last };
    },
    async member(groupId, topic, _protocol, onRecord) {
      const consumer = kafka.consumer({
        groupId,
        sessionTimeout: 10_000,
        rebalanceTimeout: 10_000,
        heartbeatInterval: 1_000,
        maxWaitTimeInMs: 200,
      });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          onRecord({ partition, offset: Number(message.offset), value: message.value });
          await Promise.resolve();
        },
      });
      return { stop: () => consumer.disconnect() };
    },
  };
}

const FETCH: FetchOptions = {
  maxWaitMs: 200,
  maxBytesPerPartition: MAX_PARTITION_BYTES,
  maxBytes: MAX_BYTES,
  isolation: 'read_committed',
};

export function platformaticClient(brokers: readonly string[]): BenchClient {
  const port: KafkaPort = createKafka({ brokers, clientId: 'bench-platformatic' });
  return {
    name: '@platformatic/kafka 2.12.1 (tributary port)',
    protocols: ['classic', 'consumer'],
    producer() {
      const producer = port.producer({ compression: 'none', timeoutMs: 30_000 });
      return Promise.resolve({
        send: (topic, records) =>
          producer.send(
            records.map((r) => ({ topic, partition: r.partition, key: null, value: r.value, headers: {} })),
          ),
        close: () => producer.close(),
      });
    },
    async readAll(topic, partitions, total) {
      // The writer's way: explicit positions, one fetch round at a time.
      const reader = port.reader();
      let positions = Array.from({ length: partitions }, (_, partition) => ({
        topic,
        partition,
        position: 0,
      }));
      let n = 0;
      let first = 0;
      try {
        while (n < total) {
          const parts = await reader.fetch(positions, FETCH);
          for (const p of parts) if (p.records.length > 0 && n === 0) first = performance.now();
          for (const p of parts) n += p.records.length;
          const next = new Map(parts.map((p) => [p.partition, p.nextPosition]));
          positions = positions.map((p) => ({ ...p, position: next.get(p.partition) ?? p.position }));
        }
        return { first, last: performance.now() };
      } finally {
        await reader.close();
      }
    },
    async member(groupId, topic, protocol, onRecord) {
      const member = port.group({
        groupId,
        topics: [topic],
        protocol,
        sessionTimeoutMs: 10_000,
        rebalanceTimeoutMs: 10_000,
        heartbeatIntervalMs: 1_000,
      });
      await member.join();
      let stopped = false;
      // The writer's loop in miniature: positions from the group's commits when the fence changes.
      const loop = (async () => {
        let fence: GroupFence | undefined;
        let positions = new Map<string, { topic: string; partition: number; position: number }>();
        while (!stopped) {
          const assignment = member.assignment();
          if (!assignment || assignment.partitions.length === 0) {
            await sleep(20);
            continue;
          }
          try {
            if (
              fence?.memberId !== assignment.fence.memberId ||
              fence.generation !== assignment.fence.generation
            ) {
              const committed = await member.committed(assignment.partitions);
              positions = new Map(
                assignment.partitions.map((p) => {
                  const key = partitionKey(p.topic, p.partition);
                  return [key, { ...p, position: committed.get(key) ?? 0 }];
                }),
              );
              fence = assignment.fence;
            }
            const parts = await member.fetch([...positions.values()], FETCH);
            for (const p of parts) {
              for (const r of p.records)
                onRecord({ partition: r.partition, offset: r.offset, value: r.value });
              positions.set(partitionKey(p.topic, p.partition), {
                topic: p.topic,
                partition: p.partition,
                position: p.nextPosition,
              });
            }
            await member.commit([...positions.values()], fence).catch(() => undefined);
          } catch {
            await sleep(100);
          }
        }
      })();
      return {
        async stop() {
          stopped = true;
          await loop;
          await member.leave();
        },
      };
    },
  };
}
