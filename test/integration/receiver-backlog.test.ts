/**
 * Backpressure from Kafka reaches clients before their bodies are read: while the bytes waiting for
 * Kafka are at receiver.maxInflightBytes, a new request is refused on its headers (429, Retry-After,
 * connection closed) instead of being read into memory first and refused after. The broker is frozen
 * with SIGSTOP so the first request's records stay in flight; once it is thawed, that request is
 * acknowledged and new ones are taken again.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { test } from 'node:test';
import { scrapeMetric } from '../../bench/lib/proc.js';
import { ensureTopics } from '../../deploy/local/kafka/topics.js';
import { type RunningReceiver, startReceiver } from '../../receiver/main.js';
import { generateLogs } from '../fixtures/generate.js';
import { startOwnKafka } from '../harness/own-kafka.js';
import { receiverConfig } from '../harness/receiver.js';
import { freePort } from '../harness/stack.js';

const MAX_INFLIGHT_BYTES = 1024 * 1024;

/** Sends only the headers of a request whose body never comes; resolves with the answer. */
function headersOnly(
  url: string,
  declaredBytes: number,
): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'content-length': String(declaredBytes) },
    });
    req.on('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
    });
    req.on('error', reject);
    req.setTimeout(5_000, () => {
      req.destroy();
      reject(new Error('no answer within 5 s: the receiver waited for the body'));
    });
    req.flushHeaders();
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test(
  'with the Kafka backlog full, a request is refused on its headers, not after its body',
  { timeout: 120_000 },
  async (t) => {
    const own = await startOwnKafka('backlog');
    const { kafka } = own;
    let frozen = false;
    const started: { receiver?: RunningReceiver } = {};
    // One hook, in this order: thaw the broker, stop the receiver while Kafka answers, stop Kafka.
    t.after(async () => {
      if (frozen) kafka.freezeBroker(0, false);
      await started.receiver?.stop();
      await own.stop();
    });
    await ensureTopics(kafka.brokers, ['otlp_spans', 'otlp_metrics', 'otlp_logs'], 1, 1);
    const config = receiverConfig(kafka.brokers, {
      'receiver.metricsPort': await freePort(),
      'receiver.maxInflightBytes': MAX_INFLIGHT_BYTES,
      'receiver.produceTimeoutMs': 60_000,
      logLevel: 'error',
    });
    const receiver = await startReceiver(config);
    started.receiver = receiver;
    const url = `http://127.0.0.1:${receiver.httpPort}/v1/logs`;
    const post = (body: Uint8Array): Promise<Response> =>
      fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' } });
    const small = generateLogs({ seed: 1, resources: 1, scopesPerResource: 1, itemsPerScope: 10 });
    assert.equal((await post(small)).status, 200, 'Kafka takes requests before the freeze');

    kafka.freezeBroker(0, true);
    frozen = true;
    // One record of more than the in-flight limit: publish takes it (nothing else is in flight) and it
    // stays waiting for the frozen broker.
    const large = generateLogs({ seed: 2, resources: 1, scopesPerResource: 1, itemsPerScope: 6000 });
    assert.ok(large.length >= MAX_INFLIGHT_BYTES && large.length < 1_000_000 * 4);
    const stuck = post(large);
    const metrics = `http://127.0.0.1:${receiver.metricsPort}/metrics`;
    await waitFor('the large request to wait for Kafka', async () => {
      return ((await scrapeMetric(metrics, 'tributary_receiver_inflight_bytes')) ?? 0) >= MAX_INFLIGHT_BYTES;
    });

    const refused = await headersOnly(url, 200_000);
    assert.equal(refused.status, 429, 'refused while the backlog is full');
    assert.ok(refused.headers['retry-after'], 'with Retry-After');
    assert.equal(
      refused.headers['connection'],
      'close',
      'the unread body is not drained: the connection closes',
    );

    kafka.freezeBroker(0, false);
    frozen = false;
    assert.equal((await stuck).status, 200, 'the request in flight is acknowledged once Kafka answers');
    assert.equal((await post(small)).status, 200, 'new requests are taken again');
  },
);
