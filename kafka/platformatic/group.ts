/**
 * A consumer-group member on @platformatic/kafka. The client runs membership (join, sync,
 * heartbeats, re-joins); this member exposes the current assignment and fetches at the positions its
 * caller gives, never at positions the client remembers. Topic patterns are resolved against the
 * cluster's topics at join time and re-checked every 30 s (a new matching topic triggers a re-join).
 */
import { Admin, Consumer } from '@platformatic/kafka';
import { retryTransient } from '../../core/retry.js';
import { isDlqTopic } from '../../schemas/topics.js';
import type { KafkaConnection } from '../connection.js';
import {
  type Assignment,
  type FetchOptions,
  type FetchPosition,
  type FetchedPartition,
  type GroupFence,
  type GroupMember,
  type GroupOptions,
  KafkaError,
  type TopicPartition,
  partitionKey,
} from '../port.js';
import { toKafkaError } from './errors.js';
import { baseOptions } from './options.js';
import { fetchPositions } from './reader.js';

const TOPIC_REFRESH_MS = 30_000;

export class PlatformaticGroupMember implements GroupMember {
  private readonly consumer: Consumer;
  private readonly options: GroupOptions;
  private readonly connection: KafkaConnection;
  private topics: string[] = [];
  private refreshTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** The last assignment seen and the version it was given (bumped on every change). */
  private last: { raw: unknown; generation: number; memberId: string | null; version: number } = {
    raw: undefined,
    generation: -1,
    memberId: null,
    version: 0,
  };

  constructor(connection: KafkaConnection, options: GroupOptions) {
    if (options.protocol !== 'classic')
      throw new KafkaError(
        'OTHER',
        `consumer group protocol "${options.protocol}" is not supported by this adapter yet; use classic`,
        false,
      );
    this.connection = connection;
    this.options = options;
    this.consumer = new Consumer({
      ...baseOptions(connection, '-consumer'),
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs,
      rebalanceTimeout: options.rebalanceTimeoutMs,
      heartbeatInterval: options.heartbeatIntervalMs,
      autocommit: false,
    });
  }

  private async resolveTopics(): Promise<string[]> {
    const names = this.options.topics.filter((t): t is string => typeof t === 'string');
    const patterns = this.options.topics.filter((t): t is RegExp => t instanceof RegExp);
    if (patterns.length === 0) return names;
    const admin = new Admin(baseOptions(this.connection, '-topics'));
    try {
      const all = await admin.listTopics();
      const matched = all.filter((t) => !isDlqTopic(t) && patterns.some((p) => p.test(t)));
      return [...new Set([...names, ...matched])].sort();
    } finally {
      await admin.close().catch(() => undefined);
    }
  }

  /** Joins the group; while Kafka is unreachable it keeps trying (a writer must outlive a broker restart). */
  async join(): Promise<void> {
    await retryTransient(
      `join group ${this.options.groupId}`,
      async () => {
        try {
          this.topics = await this.resolveTopics();
          this.consumer.topics.trackAll(...this.topics);
          await this.consumer.joinGroup({});
        } catch (err) {
          throw toKafkaError(err, `join group ${this.options.groupId}`);
        }
      },
      {
        retryable: (err) => !this.closed && err instanceof KafkaError && err.retryable,
        log: this.connection.log,
      },
    );
    if (this.options.topics.some((t) => t instanceof RegExp)) {
      this.refreshTimer = setInterval(() => void this.refreshTopics(), TOPIC_REFRESH_MS);
      this.refreshTimer.unref();
    }
  }

  private async refreshTopics(): Promise<void> {
    if (this.closed) return;
    try {
      const next = await this.resolveTopics();
      if (next.join('\n') === this.topics.join('\n')) return;
      this.consumer.topics.trackAll(...next.filter((t) => !this.topics.includes(t)));
      this.topics = next;
      await this.consumer.joinGroup({});
    } catch {
      // The next refresh tries again; the current assignment stays valid meanwhile.
    }
  }

  assignment(): Assignment | undefined {
    const raw = this.consumer.assignments;
    const memberId = this.consumer.memberId;
    if (!raw || !memberId || !this.consumer.isActive()) return undefined;
    const generation = this.consumer.generationId;
    if (raw !== this.last.raw || generation !== this.last.generation || memberId !== this.last.memberId)
      this.last = { raw, generation, memberId, version: this.last.version + 1 };
    const partitions: TopicPartition[] = [];
    for (const { topic, partitions: list } of raw)
      for (const partition of list) partitions.push({ topic, partition });
    return { fence: { memberId, generation: this.last.version }, partitions };
  }

  fetch(positions: readonly FetchPosition[], options: FetchOptions): Promise<FetchedPartition[]> {
    return fetchPositions(this.consumer, positions, options);
  }

  async commit(positions: readonly FetchPosition[], fence: GroupFence): Promise<void> {
    const current = this.assignment();
    if (
      !current ||
      current.fence.memberId !== fence.memberId ||
      current.fence.generation !== fence.generation
    )
      throw new KafkaError('FENCED', 'commit refused: the assignment changed since this batch began', false);
    if (positions.length === 0) return;
    try {
      await this.consumer.commit({
        offsets: positions.map((p) => ({
          topic: p.topic,
          partition: p.partition,
          offset: BigInt(p.position),
          leaderEpoch: -1,
        })),
      });
    } catch (err) {
      throw toKafkaError(err, 'commit');
    }
  }

  async committed(partitions: readonly TopicPartition[]): Promise<Map<string, number>> {
    const byTopic = new Map<string, number[]>();
    for (const { topic, partition } of partitions)
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
    let offsets;
    try {
      offsets = await this.consumer.listCommittedOffsets({
        topics: [...byTopic].map(([topic, list]) => ({ topic, partitions: list })),
      });
    } catch (err) {
      throw toKafkaError(err, 'list committed offsets');
    }
    const out = new Map<string, number>();
    for (const [topic, list] of byTopic) {
      const values = offsets.get(topic) ?? [];
      // The client indexes the answer by partition number.
      for (const partition of list) {
        const value = values[partition];
        if (value !== undefined && value >= 0n) out.set(partitionKey(topic, partition), Number(value));
      }
    }
    return out;
  }

  async close(): Promise<void> {
    await this.leave();
  }

  async leave(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    await this.consumer.close().catch(() => undefined);
  }
}
