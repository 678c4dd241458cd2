/**
 * The Kafka port: everything tributary needs from Kafka, in tributary's own terms. Receiver, writer,
 * replay, the local stack and the tests use only these interfaces; the adapter behind them (one
 * folder beside this file) is the only code that imports a Kafka client package, so the client can
 * be replaced without touching the delivery logic.
 *
 * Offsets are JavaScript numbers: Kafka offsets stay far below 2^53 in practice (a partition taking a
 * million records per second would need 285 years to get there).
 */

/** A record to produce. The partition is chosen by the caller (keys and partitioners are ours). */
export interface OutgoingRecord {
  readonly topic: string;
  readonly partition: number;
  readonly key: Buffer | null;
  readonly value: Uint8Array;
  readonly headers: Readonly<Record<string, string | Buffer>>;
}

/** A consumed record. `timestamp` is the Kafka record time in milliseconds. */
export interface IncomingRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: ReadonlyMap<string, Buffer>;
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** Where to read one partition from. */
export interface FetchPosition extends TopicPartition {
  readonly position: number;
}

/**
 * One partition's part of a fetch. `nextPosition` is where the next fetch starts: past the last
 * record batch returned, transaction markers and aborted records included, so ranges built from
 * positions have no holes. `records` holds only the records a consumer at this isolation level sees.
 */
export interface FetchedPartition extends TopicPartition {
  readonly records: readonly IncomingRecord[];
  readonly nextPosition: number;
  readonly highWatermark: number;
  readonly lastStableOffset: number;
  readonly logStartOffset: number;
  /** Set when the partition could not be read; `position` is then unchanged. */
  readonly error?: KafkaFetchError;
}

export type KafkaFetchError =
  | { readonly kind: 'out-of-range'; readonly message: string }
  | { readonly kind: 'retryable'; readonly message: string };

export interface FetchOptions {
  readonly maxWaitMs: number;
  readonly maxBytesPerPartition: number;
  readonly maxBytes: number;
  readonly isolation: 'read_committed' | 'read_uncommitted';
}

/** Reads partitions at explicit positions; nothing is remembered between calls. */
export interface PartitionReader {
  fetch(positions: readonly FetchPosition[], options: FetchOptions): Promise<FetchedPartition[]>;
  close(): Promise<void>;
}

export interface ProducerOptions {
  readonly compression: 'none' | 'gzip';
  /** How long one produce call may take before it fails (the records are then not acknowledged). */
  readonly timeoutMs: number;
}

/** An idempotent producer with acks=all. */
export interface KafkaProducer {
  /** Resolves when Kafka acknowledged every record; rejects with a KafkaError otherwise. */
  send(records: readonly OutgoingRecord[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * The protocol's fence for one membership: commits carry it, and the broker refuses them once the
 * member was fenced (classic: generation; KIP-848: member epoch).
 */
export interface GroupFence {
  readonly memberId: string;
  readonly generation: number;
}

/** The partitions this member owns now, and the fence they were given under. */
export interface Assignment {
  readonly fence: GroupFence;
  readonly partitions: readonly TopicPartition[];
}

export interface GroupOptions {
  readonly groupId: string;
  /** Topic names, or regular expressions matched against the cluster's topics (checked periodically). */
  readonly topics: readonly (string | RegExp)[];
  /** `consumer` is the KIP-848 protocol (Kafka 4.x): server-side, incremental assignment. */
  readonly protocol: 'classic' | 'consumer';
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
}

/**
 * One member of a consumer group. Membership and assignment come from the group; positions do not:
 * the member reads where its caller says (the writer's done state), and commits are advisory.
 */
export interface GroupMember extends PartitionReader {
  join(): Promise<void>;
  /** The current assignment, or undefined while (re)joining. Cheap: call it as often as needed. */
  assignment(): Assignment | undefined;
  /** Commits next positions under `fence`; rejects when the broker has fenced that membership. */
  commit(positions: readonly FetchPosition[], fence: GroupFence): Promise<void>;
  /** The group's committed positions for these partitions (missing: none committed). */
  committed(partitions: readonly TopicPartition[]): Promise<Map<string, number>>;
  leave(): Promise<void>;
}

export interface TopicInfo {
  readonly name: string;
  /** The topic id (a UUID since Kafka 2.8): a re-created topic of the same name gets a new one. */
  readonly id: string;
  readonly partitions: number;
  /** The smallest replica count of its partitions (what a broker loss can cost). */
  readonly replicationFactor: number;
}

export interface PartitionOffsets {
  readonly partition: number;
  /** Log start offset. */
  readonly low: number;
  /** High watermark (next offset to be written). */
  readonly high: number;
}

export interface NewTopic {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly configs?: Readonly<Record<string, string>>;
}

export interface KafkaAdmin {
  /** The cluster id (KRaft: the id the storage was formatted with). */
  clusterId(): Promise<string>;
  /** How many brokers the cluster has (a local stack: one). */
  brokerCount(): Promise<number>;
  listTopics(): Promise<string[]>;
  /** Topic ids and partition counts; fails with KafkaError code UNKNOWN_TOPIC when one is missing. */
  describeTopics(names: readonly string[]): Promise<TopicInfo[]>;
  /** Creates the topics that do not exist yet and waits until every partition has a leader. */
  ensureTopics(topics: readonly NewTopic[]): Promise<void>;
  deleteTopics(names: readonly string[]): Promise<void>;
  /** Effective topic configuration (defaults included). */
  topicConfig(name: string): Promise<Record<string, string>>;
  offsets(topic: string): Promise<PartitionOffsets[]>;
  /** Per partition, the first offset whose record time is >= `timeMs` (the high watermark if none). */
  offsetsForTime(topic: string, timeMs: number): Promise<Map<number, number>>;
  /** A group's committed positions for a topic. */
  committed(groupId: string, topic: string): Promise<Map<number, number>>;
  close(): Promise<void>;
}

/** What a Kafka client adapter offers; `createKafka` in the adapter folder returns one. */
export interface KafkaPort {
  producer(options: ProducerOptions): KafkaProducer;
  reader(): PartitionReader;
  group(options: GroupOptions): GroupMember;
  admin(): KafkaAdmin;
}

export type KafkaErrorCode =
  'MESSAGE_TOO_LARGE' | 'UNKNOWN_TOPIC' | 'NOT_CONNECTED' | 'TIMEOUT' | 'FENCED' | 'AUTH' | 'OTHER';

/** A Kafka failure in the port's terms: what happened and whether trying again can help. */
export class KafkaError extends Error {
  constructor(
    readonly code: KafkaErrorCode,
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KafkaError';
  }
}

/** `topic:partition`, the key of per-partition maps throughout. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}
