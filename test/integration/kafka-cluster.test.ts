/** Three KRaft brokers, replication factor 3, min.insync.replicas 2: losing one broker loses nothing. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startKafka } from '../../deploy/local/kafka/runner.js';
import { ensureTopics } from '../../deploy/local/kafka/topics.js';
import { testKafka, topicOffsets } from '../harness/kafka.js';
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
    const client = testKafka(kafka.brokers, 'cluster-test');
    const admin = client.admin();
    const [info] = await admin.describeTopics(['replicated']);
    assert.equal(info!.partitions, 3);
    assert.equal((await admin.topicConfig('replicated'))['min.insync.replicas'], '2');
    await admin.close();
    // Replication factor 3: every broker holds a replica of every partition (its log directory).
    const deadline = Date.now() + 30_000;
    const replicaDirs = (): string[] =>
      [1, 2, 3].flatMap((node) =>
        [0, 1, 2]
          .map((p) => join(dir, `node-${node}`, 'data', `replicated-${p}`))
          .filter((path) => !existsSync(path)),
      );
    while (replicaDirs().length > 0) {
      assert.ok(Date.now() < deadline, `replicas missing: ${replicaDirs().join(', ')}`);
      await new Promise((r) => setTimeout(r, 250));
    }

    // The port does not name partition leaders; with 3 partitions on 3 brokers the controller
    // stripes the leaders, so every broker leads one partition and killing broker 1 kills a leader.
    // Writing to every partition explicitly then has to go through that partition's failover.
    await kafka.killBroker(0);
    const producer = client.producer({ compression: 'none', timeoutMs: 10_000 });
    // Until the controller moves leadership off the dead broker (broker.session.timeout.ms), sends to
    // its partition fail; a client retries, as this loop does.
    const sendDeadline = Date.now() + 60_000;
    let failures = 0;
    for (let i = 0; i < 21; i++) {
      await retryFor60s(async () => {
        try {
          await producer.send([
            { topic: 'replicated', partition: i % 3, key: null, value: Buffer.from(`v${i}`), headers: {} },
          ]);
        } catch (err) {
          failures++;
          throw err;
        }
      }, sendDeadline);
    }
    await producer.close();
    process.stderr.write(`3-broker cluster: ${failures} failed send(s) during the leader failover\n`);
    const check = testKafka(kafka.brokers.slice(1), 'cluster-check').admin();
    const offsets = await topicOffsets(check, 'replicated');
    await check.close();
    assert.deepEqual(
      offsets.map((o) => [o.partition, o.high]).sort(),
      [
        [0, 7],
        [1, 7],
        [2, 7],
      ],
      'every write acknowledged, in every partition',
    );
  },
);
