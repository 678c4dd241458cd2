/** The port's admin operations on a @platformatic/kafka Admin client. */
import { Admin, ConfigResourceTypes } from '@platformatic/kafka';
import type { KafkaConnection } from '../connection.js';
import {
  KafkaError,
  type KafkaAdmin,
  type NewTopic,
  type PartitionOffsets,
  type TopicInfo,
} from '../port.js';
import { toKafkaError } from './errors.js';
import { baseOptions } from './options.js';

const EARLIEST = -2n;
const LATEST = -1n;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class PlatformaticAdmin implements KafkaAdmin {
  private readonly admin: Admin;

  constructor(connection: KafkaConnection) {
    this.admin = new Admin(baseOptions(connection, '-admin'));
  }

  private async call<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw toKafkaError(err, what);
    }
  }

  async clusterId(): Promise<string> {
    return this.call('metadata', async () => (await this.admin.metadata({ topics: [] })).id);
  }

  async brokerCount(): Promise<number> {
    return this.call('metadata', async () => (await this.admin.metadata({ topics: [] })).brokers.size);
  }

  listTopics(): Promise<string[]> {
    return this.call('list topics', () => this.admin.listTopics());
  }

  async describeTopics(names: readonly string[]): Promise<TopicInfo[]> {
    const metadata = await this.call('metadata', () =>
      this.admin.metadata({ topics: [...names], forceUpdate: true }),
    );
    return names.map((name) => {
      const topic = metadata.topics.get(name);
      if (!topic) throw new KafkaError('UNKNOWN_TOPIC', `topic ${name} does not exist`, false);
      const replicas = topic.partitions.map((p) => p.replicas.length);
      return {
        name,
        id: topic.id,
        partitions: topic.partitionsCount,
        replicationFactor: replicas.length > 0 ? Math.min(...replicas) : 0,
      };
    });
  }

  async ensureTopics(topics: readonly NewTopic[]): Promise<void> {
    const existing = new Set(await this.listTopics());
    const missing = topics.filter((t) => !existing.has(t.name));
    for (const topic of missing) {
      await this.call(`create topic ${topic.name}`, () =>
        this.admin.createTopics({
          topics: [topic.name],
          partitions: topic.partitions,
          replicas: topic.replicationFactor,
          configs: Object.entries(topic.configs ?? {}).map(([name, value]) => ({ name, value })),
        }),
      ).catch((err: unknown) => {
        // Another process created it meanwhile: that is what we wanted.
        if (!/TOPIC_ALREADY_EXISTS|already exists/i.test((err as Error).message)) throw err;
      });
    }
    if (missing.length === 0) return;
    // A fresh topic answers NOT_LEADER for a moment; wait until every partition has a leader.
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const metadata = await this.admin.metadata({ topics: missing.map((t) => t.name), forceUpdate: true });
        const ready = missing.every((t) => {
          const m = metadata.topics.get(t.name);
          return m && m.partitionsCount === t.partitions && m.partitions.every((p) => p.leader >= 0);
        });
        if (ready) return;
      } catch (err) {
        if (Date.now() > deadline) throw toKafkaError(err, 'metadata');
      }
      if (Date.now() > deadline)
        throw new KafkaError(
          'TIMEOUT',
          `topics ${missing.map((t) => t.name).join(', ')} have no leaders after 30 s`,
          true,
        );
      await sleep(200);
    }
  }

  deleteTopics(names: readonly string[]): Promise<void> {
    return this.call('delete topics', () => this.admin.deleteTopics({ topics: [...names] }));
  }

  async topicConfig(name: string): Promise<Record<string, string>> {
    const [description] = await this.call('describe configs', () =>
      this.admin.describeConfigs({
        resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: name }],
      }),
    );
    const out: Record<string, string> = {};
    for (const entry of description?.configs ?? [])
      if (typeof entry.value === 'string') out[entry.name] = entry.value;
    return out;
  }

  private async partitionCount(topic: string): Promise<number> {
    const [info] = await this.describeTopics([topic]);
    return info!.partitions;
  }

  private async listAt(topic: string, timestamp: bigint): Promise<Map<number, number>> {
    const count = await this.partitionCount(topic);
    const partitions = Array.from({ length: count }, (_, partitionIndex) => ({ partitionIndex, timestamp }));
    // Right after a topic is created or a leader moved, ListOffsets fails briefly: retry a few times.
    for (let attempt = 0; ; attempt++) {
      try {
        const [listed] = await this.admin.listOffsets({ topics: [{ name: topic, partitions }] });
        return new Map((listed?.partitions ?? []).map((p) => [p.partitionIndex, Number(p.offset)]));
      } catch (err) {
        if (attempt >= 20) throw toKafkaError(err, `list offsets of ${topic}`);
        await sleep(250);
      }
    }
  }

  async offsets(topic: string): Promise<PartitionOffsets[]> {
    const [low, high] = await Promise.all([this.listAt(topic, EARLIEST), this.listAt(topic, LATEST)]);
    return [...high.keys()]
      .sort((a, b) => a - b)
      .map((partition) => ({ partition, low: low.get(partition) ?? 0, high: high.get(partition) ?? 0 }));
  }

  async offsetsForTime(topic: string, timeMs: number): Promise<Map<number, number>> {
    const [found, high] = await Promise.all([this.listAt(topic, BigInt(timeMs)), this.listAt(topic, LATEST)]);
    // -1 means no record at or after that time: the end of the partition.
    return new Map([...high].map(([p, h]) => [p, (found.get(p) ?? -1) < 0 ? h : found.get(p)!]));
  }

  async committed(groupId: string, topic: string): Promise<Map<number, number>> {
    const count = await this.partitionCount(topic);
    const [group] = await this.call('list group offsets', () =>
      this.admin.listConsumerGroupOffsets({
        groups: [
          {
            groupId,
            topics: [{ name: topic, partitionIndexes: Array.from({ length: count }, (_, i) => i) }],
          },
        ],
      }),
    );
    const out = new Map<number, number>();
    for (const t of group?.topics ?? [])
      for (const p of t.partitions)
        if (p.committedOffset >= 0n) out.set(p.partitionIndex, Number(p.committedOffset));
    return out;
  }

  async close(): Promise<void> {
    await this.admin.close().catch(() => undefined);
  }
}
