/**
 * Fuzzing both receiver transports with seeded random, truncated, bit-flipped and deeply nested
 * protobuf and JSON: every case gets a specific 4xx / INVALID_ARGUMENT (or 200 when the mutation
 * happens to stay valid), the process stays up, and nothing invalid reaches Kafka.
 *
 * A second oracle besides the receiver's own validator: every accepted case is decoded by
 * protobufjs from the official .proto files (decodeRequest), must have the item count the validator
 * counted, and the records in Kafka must decode to exactly the accepted requests, in order.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client, credentials } from '@grpc/grpc-js';
import { decodeRequest, jsonToProtobuf, validateRequest } from '../../schemas/otlp/codec.js';
import { generateTraces, seededRandom } from '../fixtures/generate.js';
import { mutate } from '../fixtures/mutate.js';
import * as sdk from '../fixtures/otel-sdk.js';
import { readRecords, topicSize } from '../harness/kafka.js';
import { startTestReceiver } from '../harness/receiver.js';

const CASES = Number(process.env['FUZZ_CASES'] ?? 400);

/** The item count when `count` succeeds, undefined when it throws (invalid input). */
function itemsOf(count: () => number): number | undefined {
  try {
    return count();
  } catch {
    return undefined;
  }
}

/** Spans in a protobufjs-decoded ExportTraceServiceRequest. */
function spanCount(request: Record<string, unknown>): number {
  let n = 0;
  for (const rs of (request['resourceSpans'] ?? []) as { scopeSpans?: { spans?: unknown[] }[] }[])
    for (const ss of rs.scopeSpans ?? []) n += ss.spans?.length ?? 0;
  return n;
}

function grpcExport(port: number, body: Uint8Array): Promise<number> {
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from(body),
      (err) => {
        client.close();
        resolve(err ? err.code : 0);
      },
    );
  });
}

test(
  `fuzz: ${CASES} mutated requests per transport get specific answers; only valid data reaches Kafka`,
  { timeout: 300_000 },
  async (t) => {
    const receiver = await startTestReceiver({}, 1);
    t.after(() => receiver.stop());
    const random = seededRandom(7);
    const seeds = [
      sdk.spansProtobuf(),
      generateTraces({ seed: 1, resources: 2, scopesPerResource: 2, itemsPerScope: 5 }),
    ];
    const jsonSeed = Buffer.from(sdk.spansJson());
    const seen = new Map<string, number>();
    let accepted = 0;
    /** What Kafka must hold, in order: the accepted requests as protobufjs decodes them. */
    const expected: Record<string, unknown>[] = [];
    const rssBefore = process.memoryUsage().rss;
    for (let i = 0; i < CASES; i++) {
      const body = mutate(random, seeds[i % seeds.length]!);
      const items = itemsOf(() => validateRequest('traces', body).items);
      const valid = items !== undefined;
      const res = await fetch(`${receiver.httpUrl}/v1/traces`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/x-protobuf' },
      });
      await res.arrayBuffer();
      seen.set(`http ${res.status}`, (seen.get(`http ${res.status}`) ?? 0) + 1);
      assert.ok(
        valid ? res.status === 200 : res.status === 400 || res.status === 413,
        `case ${i}: valid=${valid} status=${res.status}`,
      );
      const code = await grpcExport(receiver.grpcPort, body);
      seen.set(`grpc ${code}`, (seen.get(`grpc ${code}`) ?? 0) + 1);
      assert.ok(valid ? code === 0 : code === 3, `case ${i}: valid=${valid} grpc=${code}`);
      if (items) {
        accepted += 2; // a valid request with no items is answered 200 and produces nothing
        const decoded = decodeRequest('traces', body);
        assert.equal(spanCount(decoded), items, `case ${i}: protobufjs counts the validator's items`);
        expected.push(decoded, decoded);
      }

      const json = mutate(random, jsonSeed);
      const jsonRes = await fetch(`${receiver.httpUrl}/v1/traces`, {
        method: 'POST',
        body: json,
        headers: { 'content-type': 'application/json' },
      });
      await jsonRes.arrayBuffer();
      seen.set(`json ${jsonRes.status}`, (seen.get(`json ${jsonRes.status}`) ?? 0) + 1);
      assert.ok([200, 400, 413].includes(jsonRes.status), `json case ${i}: status ${jsonRes.status}`);
      if (jsonRes.status === 200) {
        const converted = jsonToProtobuf('traces', Buffer.from(json).toString('utf8'));
        const jsonItems = itemsOf(() => validateRequest('traces', converted).items);
        if (jsonItems) {
          accepted += 1;
          const decoded = decodeRequest('traces', converted);
          assert.equal(spanCount(decoded), jsonItems, `json case ${i}: protobufjs counts the items`);
          expected.push(decoded);
        }
      }
    }
    t.diagnostic(
      `fuzz answers: ${JSON.stringify(Object.fromEntries([...seen].sort()))}; rss +${Math.round((process.memoryUsage().rss - rssBefore) / 1e6)} MB in the test process`,
    );
    assert.equal(
      (await fetch(`http://127.0.0.1:${receiver.healthPort}/`)).status,
      200,
      'the receiver is still up',
    );
    // Exactly the accepted requests reached Kafka, and each of them is valid OTLP.
    assert.equal(await topicSize(receiver.topics.traces), accepted);
    const records = await readRecords(receiver.topics.traces, accepted);
    records.forEach((record, n) => {
      validateRequest('traces', record.value);
      assert.deepEqual(
        decodeRequest('traces', record.value),
        expected[n],
        `record ${n} is the accepted request`,
      );
    });
  },
);
