/**
 * Conformance of the Kafka port (kafka/port.ts), through the adapter createKafka returns, against the
 * broker we run (Kafka 4.1): what receiver, writer and replay rely on, checked call by call.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type FetchOptions,
  type FetchedPartition,
  type GroupMember,
  KafkaError,
  type OutgoingRecord,
  type PartitionReader,
  partitionKey,
} from '../../kafka/port.js';
import { uniqueName } from '../harness/env.js';
import { freshTopics, testKafka, topicOffsets } from '../harness/kafka.js';

const FETCH: FetchOptions = {
  maxWaitMs: 200,
  maxBytesPerPartition: 4 * 1024 * 1024,
  maxBytes: 16 * 1024 * 1024,
  isolation: 'read_committed',
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function record(topic: string, partition: number, value: string | Buffer, key?: string): OutgoingRecord {
  return {
    topic,
    partition,
    key: key === undefined ? null : Buffer.from(key),
    value: typeof value === 'string' ? Buffer.from(value) : value,
    headers: {},
  };
}

/** Fetches one partition from `position` until `count` records arrived (or 20 s passed). */
async function fetchFrom(
  reader: PartitionReader,
  topic: string,
  partition: number,
  position: number,
  count: number,
): Promise<{ parts: FetchedPartition[]; values: string[]; offsets: number[] }> {
  const parts: FetchedPartition[] = [];
  const values: string[] = [];
  const offsets: number[] = [];
  const deadline = Date.now() + 20_000;
  while (values.length < count) {
    if (Date.now() > deadline)
      throw new Error(`fetched ${values.length} of ${count} from ${topic}:${partition}`);
    const [part] = await reader.fetch([{ topic, partition, position }], FETCH);
    assert.ok(part, 'one result per requested partition');
    assert.equal(part.error, undefined, part.error?.message ?? '');
    parts.push(part);
    for (const r of part.records) {
      values.push(r.value?.toString() ?? '');
      offsets.push(r.offset);
    }
    position = part.nextPosition;
  }
  return { parts, values, offsets };
}

test('admin: cluster id, topic ids, listing, partitions, offsets, unknown topics', async () => {
  const { traces, prefix } = await freshTopics(2);
  const kafka = testKafka(undefined, 'conformance-admin');
  const admin = kafka.admin();
  const other = testKafka(undefined, 'conformance-admin-2').admin();
  try {
    const clusterId = await admin.clusterId();
    assert.match(clusterId, /^[A-Za-z0-9_-]{22}$/, 'a KRaft cluster id (base64 of a UUID)');
    assert.equal(await other.clusterId(), clusterId, 'the same cluster from another client');

    assert.ok((await admin.listTopics()).includes(traces));
    const [info] = await admin.describeTopics([traces]);
    assert.equal(info!.name, traces);
    assert.equal(info!.partitions, 2);
    assert.match(info!.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'a UUID');
    const offsets = await topicOffsets(admin, traces);
    assert.deepEqual(offsets.map((o) => [o.partition, o.low, o.high]).sort(), [
      [0, 0, 0],
      [1, 0, 0],
    ]);

    await assert.rejects(
      admin.describeTopics([`${prefix}missing`]),
      (err: unknown) => err instanceof KafkaError && err.code === 'UNKNOWN_TOPIC',
    );

    // A re-created topic of the same name is another topic: it gets a new id.
    const name = `${prefix}recreated`;
    await admin.ensureTopics([{ name, partitions: 1, replicationFactor: 1 }]);
    const [first] = await admin.describeTopics([name]);
    await admin.deleteTopics([name]);
    const gone = Date.now() + 30_000;
    while ((await admin.listTopics()).includes(name)) {
      assert.ok(Date.now() < gone, 'deleted topic disappears from the listing');
      await sleep(200);
    }
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.ensureTopics([{ name, partitions: 1, replicationFactor: 1 }]);
        break;
      } catch (err) {
        // The deletion may still be in progress on the broker for a moment.
        if (attempt >= 50) throw err;
        await sleep(200);
      }
    }
    const [second] = await admin.describeTopics([name]);
    assert.notEqual(second!.id, first!.id, 'a new topic id');

    const config = await admin.topicConfig(traces);
    assert.ok(config['retention.ms'], 'effective config includes defaults');
  } finally {
    await Promise.allSettled([admin.close(), other.close()]);
  }
});

test('produce acks=all to explicit partitions (plain and gzip), fetch at explicit positions', async () => {
  const { logs } = await freshTopics(2);
  const kafka = testKafka(undefined, 'conformance-produce');
  const plain = kafka.producer({ compression: 'none', timeoutMs: 30_000 });
  const gzip = kafka.producer({ compression: 'gzip', timeoutMs: 30_000 });
  const reader = kafka.reader();
  const admin = kafka.admin();
  const big = Buffer.alloc(900_000, 7);
  try {
    const before = Date.now();
    await plain.send([
      { ...record(logs, 1, 'p1-a', 'k'), headers: { h: 'v', b: Buffer.from([0, 1, 2]) } },
      record(logs, 1, 'p1-b'),
      record(logs, 0, 'p0-a'),
    ]);
    // gzip: a compressible batch, and a record close to the 1 MB default maximum (compressed small).
    await gzip.send([record(logs, 1, 'p1-c'), record(logs, 1, 'p1-d'), record(logs, 0, big)]);
    await plain.send([record(logs, 1, 'p1-e')]);

    const offsets = await topicOffsets(admin, logs);
    assert.deepEqual(
      offsets.map((o) => [o.partition, o.high]).sort(),
      [
        [0, 2],
        [1, 5],
      ],
      'every record in the partition it was sent to',
    );

    // Partition 1 from the start: order, offsets, key, headers, timestamps.
    const all = await fetchFrom(reader, logs, 1, 0, 5);
    assert.deepEqual(all.values, ['p1-a', 'p1-b', 'p1-c', 'p1-d', 'p1-e']);
    assert.deepEqual(all.offsets, [0, 1, 2, 3, 4]);
    const first = all.parts[0]!.records[0]!;
    assert.equal(first.topic, logs);
    assert.equal(first.partition, 1);
    assert.equal(first.key?.toString(), 'k');
    assert.equal(first.headers.get('h')?.toString(), 'v');
    assert.deepEqual(first.headers.get('b'), Buffer.from([0, 1, 2]));
    assert.ok(
      first.timestamp >= before - 5_000 && first.timestamp <= Date.now() + 5_000,
      `record time ${first.timestamp} is the produce time`,
    );
    const last = all.parts.at(-1)!;
    assert.equal(last.nextPosition, 5, 'next position past the last record');
    assert.equal(last.highWatermark, 5);
    assert.equal(last.logStartOffset, 0);

    // From an explicit position in the middle (inside the gzip batch): nothing before it is returned.
    const middle = await fetchFrom(reader, logs, 1, 3, 2);
    assert.deepEqual(middle.values, ['p1-d', 'p1-e']);
    assert.deepEqual(middle.offsets, [3, 4]);

    // Partition 0: the plain record, then the 900,000-byte gzip one, intact.
    const zero = await fetchFrom(reader, logs, 0, 0, 2);
    assert.equal(zero.values[0], 'p0-a');
    const bigRecord = zero.parts.flatMap((p) => p.records).find((r) => r.offset === 1)!;
    assert.deepEqual(bigRecord.value, big);

    // Both partitions in one fetch, each at its own position.
    const both = await reader.fetch(
      [
        { topic: logs, partition: 0, position: 2 },
        { topic: logs, partition: 1, position: 4 },
      ],
      FETCH,
    );
    const byPartition = new Map(both.map((p) => [p.partition, p]));
    assert.equal(byPartition.get(0)!.records.length, 0, 'at the high watermark: nothing yet');
    assert.equal(byPartition.get(0)!.nextPosition, 2);
    assert.deepEqual(
      byPartition.get(1)!.records.map((r) => r.value?.toString()),
      ['p1-e'],
    );

    // A position past the end is reported, not silently reset.
    const [beyond] = await reader.fetch([{ topic: logs, partition: 1, position: 1_000 }], FETCH);
    assert.equal(beyond!.error?.kind, 'out-of-range');
    assert.equal(beyond!.nextPosition, 1_000);
  } finally {
    await Promise.allSettled([plain.close(), gzip.close(), reader.close(), admin.close()]);
  }
});

test('a record over the topic maximum fails with MESSAGE_TOO_LARGE, not retryable', async () => {
  const { prefix } = await freshTopics(1);
  const topic = `${prefix}small`;
  const kafka = testKafka(undefined, 'conformance-too-large');
  const admin = kafka.admin();
  const producer = kafka.producer({ compression: 'none', timeoutMs: 30_000 });
  try {
    await admin.ensureTopics([
      { name: topic, partitions: 1, replicationFactor: 1, configs: { 'max.message.bytes': '100000' } },
    ]);
    assert.equal((await admin.topicConfig(topic))['max.message.bytes'], '100000');
    await assert.rejects(
      producer.send([record(topic, 0, Buffer.alloc(200_000, 1))]),
      (err: unknown) => err instanceof KafkaError && err.code === 'MESSAGE_TOO_LARGE' && !err.retryable,
    );
    await producer.send([record(topic, 0, Buffer.alloc(50_000, 1))]);
    assert.equal((await topicOffsets(admin, topic))[0]!.high, 1, 'only the record that fits');
  } finally {
    await Promise.allSettled([producer.close(), admin.close()]);
  }
});

test('admin offsetsForTime: the first offset at or after a time, the high watermark past the end', async () => {
  const { metrics } = await freshTopics(2);
  const kafka = testKafka(undefined, 'conformance-time');
  const producer = kafka.producer({ compression: 'none', timeoutMs: 30_000 });
  const admin = kafka.admin();
  try {
    await producer.send([
      record(metrics, 0, 'early-0'),
      record(metrics, 0, 'early-1'),
      record(metrics, 1, 'early'),
    ]);
    await sleep(100);
    const between = Date.now();
    await sleep(100);
    await producer.send([record(metrics, 0, 'late-0'), record(metrics, 1, 'late')]);

    const atStart = await admin.offsetsForTime(metrics, 0);
    assert.deepEqual([...atStart].sort(), [
      [0, 0],
      [1, 0],
    ]);
    const atBetween = await admin.offsetsForTime(metrics, between);
    assert.deepEqual([...atBetween].sort(), [
      [0, 2],
      [1, 1],
    ]);
    const future = await admin.offsetsForTime(metrics, Date.now() + 3_600_000);
    assert.deepEqual([...future].sort(), [
      [0, 3],
      [1, 2],
    ]);
  } finally {
    await Promise.allSettled([producer.close(), admin.close()]);
  }
});

async function assigned(
  member: GroupMember,
  count: number,
): Promise<NonNullable<ReturnType<GroupMember['assignment']>>> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const current = member.assignment();
    if (current && current.partitions.length === count) return current;
    if (Date.now() > deadline)
      throw new Error(`no assignment of ${count} partitions: ${JSON.stringify(current ?? null)}`);
    await sleep(100);
  }
}

for (const protocol of ['classic', 'consumer'] as const)
  test(`${protocol} group member: assignment, fetch, commits under its fence, committed positions`, async () => {
    await groupMemberConformance(protocol);
  });

async function groupMemberConformance(protocol: 'classic' | 'consumer'): Promise<void> {
  const { traces: topic } = await freshTopics(2);
  const kafka = testKafka(undefined, `conformance-group-${protocol}`);
  const producer = kafka.producer({ compression: 'none', timeoutMs: 30_000 });
  const admin = kafka.admin();
  const groupId = uniqueName('g');
  const options = {
    groupId,
    topics: [topic],
    protocol,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 10_000,
    heartbeatIntervalMs: 500,
  };
  const members: GroupMember[] = [];
  try {
    await producer.send(Array.from({ length: 10 }, (_, i) => record(topic, i % 2, String(i))));

    const first = kafka.group(options);
    members.push(first);
    await first.join();
    const assignment = await assigned(first, 2);
    assert.deepEqual(
      assignment.partitions.map((p) => partitionKey(p.topic, p.partition)).sort(),
      [partitionKey(topic, 0), partitionKey(topic, 1)],
      'the only member owns every partition',
    );
    assert.ok(assignment.fence.memberId, 'a member id');
    assert.deepEqual(await first.committed(assignment.partitions), new Map(), 'nothing committed yet');

    // The member reads where it is told, not where the group is.
    const fetched = await first.fetch(
      [
        { topic, partition: 0, position: 2 },
        { topic, partition: 1, position: 0 },
      ],
      FETCH,
    );
    const values = new Map(fetched.map((p) => [p.partition, p.records.map((r) => r.value?.toString())]));
    assert.deepEqual(values.get(0), ['4', '6', '8']);
    assert.deepEqual(values.get(1), ['1', '3', '5', '7', '9']);

    await first.commit(
      [
        { topic, partition: 0, position: 3 },
        { topic, partition: 1, position: 5 },
      ],
      assignment.fence,
    );
    const expected = new Map([
      [partitionKey(topic, 0), 3],
      [partitionKey(topic, 1), 5],
    ]);
    assert.deepEqual(await first.committed(assignment.partitions), expected);
    assert.deepEqual(
      [...(await admin.committed(groupId, topic))].sort(),
      [
        [0, 3],
        [1, 5],
      ],
      'the admin sees the same committed positions',
    );

    // A fence the member does not hold any more is refused, and nothing is committed.
    const stale = { ...assignment.fence, generation: assignment.fence.generation - 1 };
    await assert.rejects(
      first.commit([{ topic, partition: 0, position: 9 }], stale),
      (err: unknown) => err instanceof KafkaError && err.code === 'FENCED',
    );
    assert.deepEqual(await first.committed(assignment.partitions), expected);

    // The next member of the group takes over and finds the committed positions.
    await first.leave();
    const second = kafka.group(options);
    members.push(second);
    await second.join();
    const next = await assigned(second, 2);
    assert.deepEqual(await second.committed(next.partitions), expected, 'committed positions survive');
    await assert.rejects(
      second.commit([{ topic, partition: 0, position: 9 }], assignment.fence),
      (err: unknown) => err instanceof KafkaError && err.code === 'FENCED',
      "the first member's fence is not valid for the second",
    );
    await second.commit([{ topic, partition: 0, position: 5 }], next.fence);
    assert.equal((await admin.committed(groupId, topic)).get(0), 5);
  } finally {
    await Promise.allSettled([...members.map((m) => m.leave()), producer.close(), admin.close()]);
  }
}
