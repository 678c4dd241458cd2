/**
 * A consumer-group member on @platformatic/kafka. The client runs membership (join, sync,
 * heartbeats, re-joins); this member exposes the current assignment and fetches at the positions its
 * caller gives, never at positions the client remembers. Topic patterns are resolved against the
 * cluster's topics at join time and re-checked every 30 s (a new matching topic triggers a re-join
 * under the classic protocol, and the next heartbeat's subscription under KIP-848).
 *
 * Both group protocols run on the client's own membership code: `classic` (JoinGroup/SyncGroup,
 * eager: every member gives up everything on a rebalance) and `consumer` (KIP-848,
 * ConsumerGroupHeartbeat: the broker assigns, and only partitions that move change hands). Under
 * KIP-848 the broker fences commits by member epoch, which the client sends on every OffsetCommit
 * (v9+); see the fence note on `assignment()`.
 */
import { Admin, Consumer, findErrorBy } from '@platformatic/kafka';
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
  private consumer: Consumer;
  private readonly options: GroupOptions;
  private readonly connection: KafkaConnection;
  private topics: string[] = [];
  private refreshTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private renewing = false;
  /** The last assignment seen and the version it was given (bumped on every change). */
  private last: { raw: unknown; generation: number; memberId: string | null; version: number } = {
    raw: undefined,
    generation: -1,
    memberId: null,
    version: 0,
  };

  constructor(connection: KafkaConnection, options: GroupOptions) {
    this.connection = connection;
    this.options = options;
    this.consumer = this.createConsumer();
  }

  private createConsumer(): Consumer {
    const common = {
      ...baseOptions(this.connection, '-consumer'),
      groupId: this.options.groupId,
      rebalanceTimeout: this.options.rebalanceTimeoutMs,
      // Under KIP-848 these two are the broker's (group.consumer.* configs) and the client ignores
      // them, but it still checks them against the rebalance timeout.
      sessionTimeout: this.options.sessionTimeoutMs,
      heartbeatInterval: this.options.heartbeatIntervalMs,
      autocommit: false,
    };
    const consumer =
      this.options.protocol === 'classic'
        ? new Consumer(common)
        : new Consumer({ ...common, groupProtocol: 'consumer' });
    // The client reports a failed re-join (classic: after REBALANCE_IN_PROGRESS, e.g. while the
    // coordinator restarts) as an 'error' event and then stops heartbeating (consumer.js, the
    // heartbeat's rejoin callback): without a listener the process dies, without a new membership
    // the member would hold no partitions for good.
    consumer.on('error', (error: unknown) => {
      if (consumer !== this.consumer || this.closed) return;
      this.connection.log?.warn('group membership failed; joining again', {
        group: this.options.groupId,
        err: error,
      });
      void this.renewMembership();
    });
    consumer.on('consumer:heartbeat:error', (event: { error?: unknown }) => {
      // KIP-848: the client re-joins on FENCED_MEMBER_EPOCH but keeps heartbeating a member the
      // broker has removed (UNKNOWN_MEMBER_ID, e.g. after a pause longer than the session) forever,
      // still showing its old assignment (consumer.js #performConsumerGroupHeartbeat).
      const error = event.error instanceof Error ? event.error : undefined;
      if (consumer === this.consumer && error && findErrorBy(error, 'apiId', 'UNKNOWN_MEMBER_ID')) {
        this.connection.log?.warn('the group no longer knows this member; joining again', {
          group: this.options.groupId,
        });
        void this.renewMembership();
      }
    });
    return consumer;
  }

  /** Leaves a membership the client cannot recover behind and joins again as a new member. */
  private async renewMembership(): Promise<void> {
    if (this.renewing || this.closed) return;
    this.renewing = true;
    const old = this.consumer;
    try {
      this.consumer = this.createConsumer();
      await old.close(true).catch(() => undefined);
      await this.join();
    } catch {
      // join() retries transient failures itself; anything else surfaces as no assignment.
    } finally {
      this.renewing = false;
    }
  }

  /**
   * Joins under the consumer protocol. @platformatic/kafka 2.12.1 starts a KIP-848 membership only
   * from consume(): joinGroup() answers at once without joining (consumer.js, `joinGroup`), and the
   * join itself (#joinGroupConsumerProtocol) is private. The stream consume() returns is closed at
   * once: heartbeats and the assignment belong to the Consumer, and the topics stay subscribed
   * because they were tracked before (the client counts subscriptions per topic).
   */
  private async joinConsumerProtocol(): Promise<void> {
    const stream = await this.consumer.consume({ topics: this.topics, autocommit: false });
    await stream.close();
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
          if (this.options.protocol === 'consumer') await this.joinConsumerProtocol();
          else await this.consumer.joinGroup({});
        } catch (err) {
          throw toKafkaError(err, `join group ${this.options.groupId}`);
        }
      },
      {
        retryable: (err) => !this.closed && err instanceof KafkaError && err.retryable,
        log: this.connection.log,
      },
    );
    if (this.options.topics.some((t) => t instanceof RegExp) && !this.refreshTimer) {
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
      // KIP-848: the next heartbeat carries the new subscription; classic needs a re-join.
      if (this.options.protocol === 'classic') await this.consumer.joinGroup({});
    } catch {
      // The next refresh tries again; the current assignment stays valid meanwhile.
    }
  }

  /**
   * The fence is this member's id and a version bumped whenever the assignment changes. The broker's
   * own fence (classic: generation; KIP-848: member epoch) is sent by the client with every commit,
   * but @platformatic/kafka keeps the member epoch private (consumer.js `#memberEpoch`), and a commit
   * would carry the current epoch anyway; the version makes a batch begun under an older assignment
   * fail its commit here. Under KIP-848 an epoch bump that leaves this member's partitions as they
   * were keeps the fence, so an incremental rebalance does not restart the untouched partitions.
   */
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
