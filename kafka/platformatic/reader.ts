/**
 * Fetching partitions at explicit positions with a @platformatic/kafka Consumer: one Fetch request per
 * partition leader, control batches and aborted transactions skipped (the client filters aborted
 * records under read_committed), and each partition's next position taken from the last batch the
 * broker returned, so offsets without visible records (markers, aborted data) leave no holes.
 */
import { type Consumer, FetchIsolationLevels, IS_CONTROL } from '@platformatic/kafka';
import {
  type FetchOptions,
  type FetchPosition,
  type FetchedPartition,
  type IncomingRecord,
  partitionKey,
} from '../port.js';
import { describe, toKafkaError } from './errors.js';

type FetchTopic = Parameters<Consumer['fetch']>[0]['topics'][number];
type FetchResponse = Awaited<ReturnType<Consumer['fetch']>>;

interface Target {
  readonly request: FetchPosition;
  readonly topicId: string;
}

function headersOf(entries: readonly [Buffer | null, Buffer | null][]): Map<string, Buffer> {
  const headers = new Map<string, Buffer>();
  for (const [k, v] of entries) if (k) headers.set(k.toString('utf8'), v ?? Buffer.alloc(0));
  return headers;
}

function partitionResult(
  request: FetchPosition,
  part: FetchResponse['responses'][number]['partitions'][number],
): FetchedPartition {
  const base = {
    topic: request.topic,
    partition: request.partition,
    highWatermark: Number(part.highWatermark),
    lastStableOffset: Number(part.lastStableOffset),
    logStartOffset: Number(part.logStartOffset),
  };
  if (part.errorCode === 1)
    return {
      ...base,
      records: [],
      nextPosition: request.position,
      error: { kind: 'out-of-range', message: `offset ${request.position} is out of range` },
    };
  if (part.errorCode !== 0)
    return {
      ...base,
      records: [],
      nextPosition: request.position,
      error: { kind: 'retryable', message: `fetch error code ${part.errorCode}` },
    };
  const records: IncomingRecord[] = [];
  let next = request.position;
  for (const batch of part.records ?? []) {
    const last = Number(batch.firstOffset) + batch.lastOffsetDelta;
    if (last + 1 > next) next = last + 1;
    if (batch.attributes & IS_CONTROL) continue;
    const first = Number(batch.firstOffset);
    const firstTimestamp = Number(batch.firstTimestamp);
    for (const record of batch.records) {
      const offset = first + record.offsetDelta;
      // A batch can start before the requested position (the broker returns whole batches).
      if (offset < request.position) continue;
      records.push({
        topic: request.topic,
        partition: request.partition,
        offset,
        timestamp: firstTimestamp + Number(record.timestampDelta),
        key: record.key,
        value: record.value,
        headers: headersOf(record.headers),
      });
    }
  }
  return { ...base, records, nextPosition: next };
}

/** A partition the broker said nothing about: no records, position unchanged, watermarks unknown. */
function nothingNew(request: FetchPosition): FetchedPartition {
  return {
    ...request,
    records: [],
    nextPosition: request.position,
    highWatermark: -1,
    lastStableOffset: -1,
    logStartOffset: -1,
  };
}

function unavailable(request: FetchPosition, message: string): FetchedPartition {
  return { ...nothingNew(request), error: { kind: 'retryable', message } };
}

/** One fetch round over every requested partition (one request per leader, in parallel). */
export async function fetchPositions(
  consumer: Consumer,
  positions: readonly FetchPosition[],
  options: FetchOptions,
): Promise<FetchedPartition[]> {
  if (positions.length === 0) return [];
  const topics = [...new Set(positions.map((p) => p.topic))];
  let metadata;
  try {
    metadata = await consumer.metadata({ topics });
  } catch (err) {
    throw toKafkaError(err, 'metadata');
  }
  const byNode = new Map<number, Target[]>();
  const results: FetchedPartition[] = [];
  for (const request of positions) {
    const topic = metadata.topics.get(request.topic);
    const leader = topic?.partitions[request.partition]?.leader;
    if (!topic || leader === undefined || leader < 0) {
      results.push(unavailable(request, `no leader for ${partitionKey(request.topic, request.partition)}`));
      continue;
    }
    const list = byNode.get(leader) ?? [];
    list.push({ request, topicId: topic.id });
    byNode.set(leader, list);
  }
  const isolationLevel =
    options.isolation === 'read_committed'
      ? FetchIsolationLevels.READ_COMMITTED
      : FetchIsolationLevels.READ_UNCOMMITTED;
  await Promise.all(
    [...byNode].map(async ([node, targets]) => {
      const fetchTopics = new Map<string, FetchTopic>();
      for (const { request, topicId } of targets) {
        const entry = fetchTopics.get(topicId) ?? { topicId, partitions: [] };
        entry.partitions.push({
          partition: request.partition,
          fetchOffset: BigInt(request.position),
          partitionMaxBytes: options.maxBytesPerPartition,
          currentLeaderEpoch: -1,
          lastFetchedEpoch: -1,
        });
        fetchTopics.set(topicId, entry);
      }
      let response: FetchResponse | undefined;
      try {
        response = await consumer.fetch({
          node,
          topics: [...fetchTopics.values()],
          maxWaitTime: options.maxWaitMs,
          minBytes: 1,
          maxBytes: options.maxBytes,
          isolationLevel,
        });
      } catch (err) {
        // Partition-level errors arrive as one error carrying the whole response.
        response = (err as { response?: FetchResponse }).response;
        if (!response?.responses) {
          const message = describe(err instanceof Error ? err : new Error(String(err)));
          for (const { request } of targets) results.push(unavailable(request, message));
          return;
        }
      }
      const byKey = new Map(targets.map((t) => [`${t.topicId}:${t.request.partition}`, t.request]));
      const answered = new Set<string>();
      for (const topic of response.responses)
        for (const part of topic.partitions) {
          const key = `${topic.topicId}:${part.partitionIndex}`;
          const request = byKey.get(key);
          // Incremental fetch sessions may return partitions not asked for this time: ignore them.
          if (!request || answered.has(key)) continue;
          answered.add(key);
          results.push(partitionResult(request, part));
        }
      // Partitions the session left out had nothing new.
      for (const [key, request] of byKey) if (!answered.has(key)) results.push(nothingNew(request));
    }),
  );
  return results;
}
