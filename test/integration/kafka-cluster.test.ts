/** Three KRaft brokers, replication factor 3, min.insync.replicas 2: losing one broker loses nothing. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createKafka } from '../../core/kafka.js';
import { startKafka } from '../../deploy/local/kafka/runner.js';
import { ensureTopics } from '../../deploy/local/kafka/topics.js';
import { topicOffsets } from '../harness/kafka.js';
import { freePortRange } from '../harness/stack.js';

async function retryFor60s<T>(operation: () => Promise<T>, deadline = Date.now() + 60_000): Promise<T> {
  for (;;) {
    try {
      return await operation();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

test(
  'a 3-broker cluster keeps accepting acks=all writes with one broker killed',
  { timeout: 180_000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-3b-'));
    const base = await freePortRange(3);
    const kafka = await startKafka({
      dataDir: dir,
      port: base,
      brokerCount: 3,
      version: process.env['TEST_KAFKA_VERSION'] ?? '4.1.1',
    });
    t.after(async () => {
      await kafka.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    assert.equal(kafka.brokers.length, 3);
    await ensureTopics(kafka.brokers, ['replicated'], 3, 3);
    const client = createKafka({ brokers: kafka.brokers, clientId: 'cluster-test' });
    const admin = client.admin();
    await admin.connect();
    const metadata = await admin.fetchTopicMetadata({ topics: ['replicated'] });
    for (const p of metadata.topics[0]!.partitions) assert.equal(p.replicas.length, 3);
    const leader = metadata.topics[0]!.partitions[0]!.leader;
    await admin.disconnect();

    await kafka.killBroker(leader - 1); // node ids are 1-based
    const producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
    await retryFor60s(() => producer.connect());
    // Until the controller moves leadership off the dead broker (broker.session.timeout.ms), sends to
    // its partitions fail; a client retries, as this loop does.
    const deadline = Date.now() + 60_000;
    for (let i = 0; i < 20; i++) {
      await retryFor60s(
        () => producer.send({ topic: 'replicated', acks: -1, messages: [{ value: `v${i}` }] }),
        deadline,
      );
    }
    await producer.disconnect();
    const check = createKafka({
      brokers: kafka.brokers.filter((_, i) => i !== leader - 1),
      clientId: 'cluster-check',
    }).admin();
    await check.connect();
    const offsets = await topicOffsets(check, 'replicated');
    await check.disconnect();
    assert.equal(
      offsets.reduce((sum, o) => sum + Number(o.high), 0),
      20,
    );
  },
);
