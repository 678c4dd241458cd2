/**
 * Record batches against Kafka's default limit (issue 16, item 1): the test broker runs with
 * message.max.bytes = 1,048,588, and a burst of small requests, whose records' keys, headers and
 * framing add far more than their values, is answered 200 throughout (no 503) with every record
 * in Kafka. Sized by record values alone, one produce call would carry ~1.4 MB for the partition.
 */
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { after, test } from 'node:test';
import { KAFKA_DEFAULT_MAX_MESSAGE_BYTES } from '../../schemas/topics.js';
import { generateLogs } from '../fixtures/generate.js';
import { loadConfig } from '../../core/config/load.js';
import { type RunningReceiver, startReceiver } from '../../receiver/main.js';
import { kafkaBrokers, uniqueName } from '../harness/env.js';
import { readRecords, testKafka, topicSize } from '../harness/kafka.js';
import { type TestReceiver, startTestReceiver } from '../harness/receiver.js';

const REQUESTS = 4000;

function post(url: string, body: Uint8Array, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

let receiver: TestReceiver | undefined;
let small: RunningReceiver | undefined;
after(async () => {
  await Promise.all([receiver?.stop(), small?.stop()]);
});

test("a burst of small requests against Kafka's default message.max.bytes: no 503, every record in", async () => {
  // One partition: the whole burst competes for one record batch per produce call.
  receiver = await startTestReceiver({}, 1);
  const admin = testKafka(undefined, 'broker-limit').admin();
  try {
    const limit = Number((await admin.topicConfig(receiver.topics.logs))['max.message.bytes']);
    assert.equal(limit, KAFKA_DEFAULT_MAX_MESSAGE_BYTES, "the test broker runs with Kafka's default");
  } finally {
    await admin.close();
  }
  const body = generateLogs({ seed: 16, resources: 1, scopesPerResource: 1, itemsPerScope: 1 });
  assert.ok(body.length * REQUESTS > KAFKA_DEFAULT_MAX_MESSAGE_BYTES, 'the burst outgrows one batch');
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  try {
    const statuses = await Promise.all(
      Array.from({ length: REQUESTS }, () => post(`${receiver!.httpUrl}/v1/logs`, body, agent)),
    );
    const counts = new Map<number, number>();
    for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1);
    assert.deepEqual([...counts], [[200, REQUESTS]]);
  } finally {
    agent.destroy();
  }
  assert.equal(await topicSize(receiver.topics.logs), REQUESTS);
});

test('records are cut to what the topic accepts when receiver.maxRecordBytes is larger', async () => {
  const prefix = `${uniqueName('t')}.`;
  const names = ['otlp_spans', 'otlp_metrics', 'otlp_logs'].map((n) => `${prefix}${n}`);
  const admin = testKafka(undefined, 'broker-limit-small').admin();
  try {
    await admin.ensureTopics(
      [...names, ...names.map((n) => `${n}.dlq`)].map((name) => ({
        name,
        partitions: 1,
        replicationFactor: 1,
        configs: { 'max.message.bytes': '100000' },
      })),
    );
  } finally {
    await admin.close();
  }
  const { config } = loadConfig({
    env: {},
    overrides: {
      'kafka.brokers': kafkaBrokers().join(','),
      'topics.prefix': prefix,
      'receiver.host': '127.0.0.1',
      'receiver.httpPort': 0,
      'receiver.grpcPort': 0,
      'receiver.healthPort': 0,
      'receiver.metricsPort': 0,
      'receiver.maxRecordBytes': 1_000_000,
      logLevel: 'warn',
    },
  });
  small = await startReceiver(config);
  const body = generateLogs({ seed: 17, resources: 40, scopesPerResource: 2, itemsPerScope: 50 });
  assert.ok(body.length > 300_000, `a request several times the topic limit (${body.length} bytes)`);
  const agent = new Agent();
  try {
    assert.equal(await post(`http://127.0.0.1:${small.httpPort}/v1/logs`, body, agent), 200);
  } finally {
    agent.destroy();
  }
  const records = await readRecords(`${prefix}otlp_logs`, await topicSize(`${prefix}otlp_logs`));
  assert.ok(records.length > 3, `split into several records (${records.length})`);
  for (const record of records) assert.ok(record.value.length < 100_000, `${record.value.length} bytes`);
});
