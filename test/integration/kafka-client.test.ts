/**
 * kafkajs 2.2.4 predates Kafka 4.0, which removed old protocol versions: this proves the calls
 * tributary relies on work against the broker we run.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CompressionTypes, createKafka } from '../../core/kafka.js';
import { kafkaBrokers, uniqueName } from '../harness/env.js';
import { freshTopics, readRecords, topicOffsets } from '../harness/kafka.js';

test('admin: create topics, metadata, offsets', async () => {
  const { traces } = await freshTopics(2);
  const admin = createKafka({ brokers: kafkaBrokers(), clientId: 'proof' }).admin();
  await admin.connect();
  try {
    const metadata = await admin.fetchTopicMetadata({ topics: [traces] });
    assert.equal(metadata.topics[0]!.partitions.length, 2);
    const offsets = await topicOffsets(admin, traces);
    assert.deepEqual(offsets.map((o) => o.high).sort(), ['0', '0']);
    assert.ok((await admin.listTopics()).includes(traces));
  } finally {
    await admin.disconnect();
  }
});

test('idempotent acks=all producer with keys, headers, gzip and a 900,000-byte record', async () => {
  const { logs } = await freshTopics(1);
  const producer = createKafka({ brokers: kafkaBrokers(), clientId: 'proof' }).producer({
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  const big = Buffer.alloc(900_000, 7);
  await producer.send({
    topic: logs,
    acks: -1,
    compression: CompressionTypes.GZIP,
    messages: [{ key: 'k', value: 'small', headers: { h: 'v' } }],
  });
  await producer.send({ topic: logs, acks: -1, messages: [{ value: big }] });
  await producer.disconnect();
  const records = await readRecords(logs, 2);
  assert.equal(records[0]!.key?.toString(), 'k');
  assert.equal(records[0]!.headers['h'], 'v');
  assert.equal(records[0]!.value.toString(), 'small');
  assert.deepEqual(records[1]!.value, big);
});

test('group consumption with manual commits: a second member resumes after the commit', async () => {
  const { metrics: topic } = await freshTopics(1);
  const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'proof' });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    acks: -1,
    messages: Array.from({ length: 10 }, (_, i) => ({ value: String(i) })),
  });
  await producer.disconnect();
  const groupId = uniqueName('g');
  const consume = async (take: number): Promise<string[]> => {
    const consumer = kafka.consumer({ groupId });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: string[] = [];
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          eachBatch: async (payload) => {
            const { batch } = payload;
            for (const message of batch.messages) {
              if (seen.length >= take) break;
              seen.push(message.value!.toString());
              payload.resolveOffset(message.offset);
              await consumer.commitOffsets([
                { topic, partition: batch.partition, offset: String(Number(message.offset) + 1) },
              ]);
            }
            if (seen.length >= take) resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    return seen;
  };
  assert.deepEqual(await consume(4), ['0', '1', '2', '3']);
  assert.deepEqual(await consume(6), ['4', '5', '6', '7', '8', '9'], 'nothing re-read, nothing skipped');
});
