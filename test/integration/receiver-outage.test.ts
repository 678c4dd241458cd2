/**
 * Kafka dies under load: every request the receiver acknowledged is in Kafka, every other request
 * got a retryable answer, and once the broker is back the receiver recovers by itself.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ensureTopics } from '../../deploy/local/kafka/topics.js';
import { startReceiver } from '../../receiver/main.js';
import { decodeRequest, jsonToProtobuf } from '../../schemas/otlp/codec.js';
import { readRecords, topicSize } from '../harness/kafka.js';
import { startOwnKafka } from '../harness/own-kafka.js';
import { receiverConfig } from '../harness/receiver.js';

function request(seq: number): Uint8Array {
  return jsonToProtobuf(
    'logs',
    JSON.stringify({
      resourceLogs: [
        {
          scopeLogs: [
            {
              logRecords: [
                {
                  body: { stringValue: 'x' },
                  attributes: [{ key: 'seq', value: { intValue: String(seq) } }],
                },
              ],
            },
          ],
        },
      ],
    }),
  );
}

test(
  'broker killed mid-load: acknowledged = in Kafka, the rest retryable, then recovery',
  { timeout: 180_000 },
  async (t) => {
    const own = await startOwnKafka('outage');
    const { kafka } = own;
    t.after(() => own.stop());
    await ensureTopics(kafka.brokers, ['otlp_spans', 'otlp_metrics', 'otlp_logs'], 2, 1);
    const config = receiverConfig(kafka.brokers, {
      'receiver.produceTimeoutMs': 3000,
      'receiver.unreadyAfterMs': 4000,
      logLevel: 'error',
    });
    const receiver = await startReceiver(config);
    t.after(() => receiver.stop());
    const url = `http://127.0.0.1:${receiver.httpPort}/v1/logs`;

    const acknowledged = new Set<number>();
    const statuses = new Map<number, number>();
    let seq = 0;
    let running = true;
    const worker = async (): Promise<void> => {
      while (running) {
        const n = seq++;
        const res = await fetch(url, {
          method: 'POST',
          body: request(n),
          headers: { 'content-type': 'application/x-protobuf' },
        }).catch(() => undefined);
        const status = res?.status ?? 0;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status === 200) acknowledged.add(n);
        else if (status === 503 || status === 429)
          assert.ok(res!.headers.get('retry-after'), 'retryable answers say when to retry');
        await res?.arrayBuffer();
      }
    };
    const workers = Array.from({ length: 8 }, () => worker());
    await new Promise((r) => setTimeout(r, 2_000));
    const beforeOutage = acknowledged.size;
    await kafka.killBroker(0);
    // Readiness during the outage, every 250 ms: first the blip is tolerated (ready, with the
    // failure as reason), then, past receiver.unreadyAfterMs, it fails.
    const readiness: { status: number; reason: string }[] = [];
    const outageEnds = Date.now() + 9_000;
    while (Date.now() < outageEnds) {
      const res = await fetch(`http://127.0.0.1:${receiver.healthPort}/ready`);
      readiness.push({ status: res.status, reason: ((await res.json()) as { reason: string }).reason });
      await new Promise((r) => setTimeout(r, 250));
    }
    const ready = { status: readiness.at(-1)!.status };
    const readyBody = JSON.stringify(readiness.at(-1));
    const tolerated = readiness.findIndex((r) => r.status === 200 && /tolerated up to 4 s/.test(r.reason));
    const failed = readiness.findIndex((r) => r.status === 503);
    assert.ok(tolerated >= 0, `a failing Kafka is first tolerated: ${JSON.stringify(readiness)}`);
    assert.ok(failed > tolerated, 'readiness fails only after the tolerance');
    assert.match(readiness[failed]!.reason, /^kafka failing for \d+ s: /);
    await kafka.startBroker(0);
    const backAt = acknowledged.size;
    const deadline = Date.now() + 60_000;
    while (acknowledged.size < backAt + 50 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 250));
    running = false;
    await Promise.all(workers);

    process.stderr.write(
      `outage: statuses ${JSON.stringify([...statuses])}, acknowledged ${acknowledged.size}\n`,
    );
    assert.ok(beforeOutage > 0, 'requests succeeded before the outage');
    assert.ok(acknowledged.size >= backAt + 50, 'the receiver recovered by itself');
    assert.equal(ready.status, 503, `readiness failed while Kafka was down: ${readyBody}`);
    for (const status of statuses.keys())
      assert.ok([200, 429, 503].includes(status), `unexpected status ${status}`);
    assert.ok(
      (statuses.get(503) ?? 0) + (statuses.get(429) ?? 0) > 0,
      'the outage was seen as retryable answers',
    );

    // Every acknowledged request is in Kafka.
    const inKafka = await topicSize('otlp_logs', kafka.brokers);
    const found = new Set<number>();
    for (const record of await readRecords('otlp_logs', inKafka, 30_000, kafka.brokers)) {
      const decoded = decodeRequest('logs', record.value) as {
        resourceLogs: {
          scopeLogs: { logRecords: { attributes: { value: { intValue: string } }[] }[] }[];
        }[];
      };
      found.add(Number(decoded.resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!.attributes[0]!.value.intValue));
    }
    const missing = [...acknowledged].filter((n) => !found.has(n));
    assert.deepEqual(missing, [], 'no acknowledged request is missing from Kafka');
  },
);
