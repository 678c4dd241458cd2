/**
 * Fuzzing both receiver transports with seeded random, truncated, bit-flipped and deeply nested
 * protobuf and JSON: every case gets a specific 4xx / INVALID_ARGUMENT (or 200 when the mutation
 * happens to stay valid), the process stays up, and nothing invalid reaches Kafka.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client, credentials } from '@grpc/grpc-js';
import { jsonToProtobuf, validateRequest } from '../../schemas/otlp/codec.js';
import { generateTraces, seededRandom } from '../fixtures/generate.js';
import * as sdk from '../fixtures/otel-sdk.js';
import { readRecords, topicSize } from '../harness/kafka.js';
import { startTestReceiver } from '../harness/receiver.js';

const CASES = Number(process.env['FUZZ_CASES'] ?? 400);

function mutate(random: () => number, seed: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(seed);
  switch (Math.floor(random() * 5)) {
    case 0:
      return bytes.subarray(0, Math.floor(random() * bytes.length)); // truncated
    case 1: {
      for (let i = 0; i < 1 + Math.floor(random() * 4); i++)
        bytes[Math.floor(random() * bytes.length)]! ^= 1 << Math.floor(random() * 8);
      return bytes; // bit flips
    }
    case 2:
      return Uint8Array.from({ length: Math.floor(random() * 200) }, () => Math.floor(random() * 256)); // noise
    case 3: {
      const at = Math.floor(random() * bytes.length);
      const junk = Uint8Array.from({ length: 1 + Math.floor(random() * 8) }, () =>
        Math.floor(random() * 256),
      );
      return new Uint8Array([...bytes.subarray(0, at), ...junk, ...bytes.subarray(at)]); // inserted garbage
    }
    default: {
      let nested = '{"stringValue":"x"}';
      for (let i = 0; i < 100 + Math.floor(random() * 200); i++)
        nested = `{"arrayValue":{"values":[${nested}]}}`;
      return Buffer.from(`{"resourceLogs":[{"resource":{"attributes":[{"key":"k","value":${nested}}]}}]}`); // nesting bomb (as protobuf: garbage)
    }
  }
}

/** The item count when `count` succeeds, undefined when it throws (invalid input). */
function itemsOf(count: () => number): number | undefined {
  try {
    return count();
  } catch {
    return undefined;
  }
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
      if (items) accepted += 2; // a valid request with no items is answered 200 and produces nothing

      const json = mutate(random, jsonSeed);
      const jsonRes = await fetch(`${receiver.httpUrl}/v1/traces`, {
        method: 'POST',
        body: json,
        headers: { 'content-type': 'application/json' },
      });
      await jsonRes.arrayBuffer();
      seen.set(`json ${jsonRes.status}`, (seen.get(`json ${jsonRes.status}`) ?? 0) + 1);
      assert.ok([200, 400, 413].includes(jsonRes.status), `json case ${i}: status ${jsonRes.status}`);
      if (
        jsonRes.status === 200 &&
        itemsOf(
          () => validateRequest('traces', jsonToProtobuf('traces', Buffer.from(json).toString('utf8'))).items,
        )
      )
        accepted += 1;
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
    for (const record of await readRecords(receiver.topics.traces, accepted))
      validateRequest('traces', record.value);
  },
);
