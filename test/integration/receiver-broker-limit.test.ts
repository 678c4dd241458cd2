/**
 * Record batches against Kafka's default limit (issue 16, item 1): the test broker runs with
 * message.max.bytes = 1,048,588, and a burst of small requests, whose records' keys, headers and
 * framing add far more than their values, is answered 200 throughout (no 503) with every record
 * in Kafka. Sized by record values alone, one produce call would carry ~1.4 MB for the partition.
 */
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { after, test } from 'node:test';
import { KAFKA_DEFAULT_MAX_MESSAGE_BYTES } from '../../receiver/publish.js';
import { generateLogs } from '../fixtures/generate.js';
import { testKafka, topicSize } from '../harness/kafka.js';
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
after(async () => {
  await receiver?.stop();
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
