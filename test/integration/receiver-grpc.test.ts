/**
 * OTLP/gRPC request messages are read into pooled buffers that go back to the pool once Kafka
 * acknowledged them (receiver/grpc.ts, patches/README.md). A buffer given back too early would be
 * overwritten by the next message while its records are still being produced: many concurrent calls
 * of distinct bodies, each forwarded as one record, must all arrive in Kafka byte for byte.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { Client, Metadata, credentials } from '@grpc/grpc-js';
import { generateTraces } from '../fixtures/generate.js';
import { readRecords } from '../harness/kafka.js';
import { startTestReceiver } from '../harness/receiver.js';

const TRACES_EXPORT = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const CLIENTS = 8;
const CALLS_PER_CLIENT = 6;

const digest = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function exportTraces(client: Client, body: Uint8Array): Promise<number> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      TRACES_EXPORT,
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from(body),
      new Metadata(),
      (err) => resolve(err ? err.code : 0),
    );
  });
}

test('concurrent gRPC calls of distinct bodies: every record in Kafka is a body sent, byte for byte', async (t) => {
  const receiver = await startTestReceiver();
  t.after(() => receiver.stop());
  // One resource and scope per body, so each is forwarded unchanged as one record; 600 spans make a
  // message of several hundred KB, well inside the pooled sizes.
  const bodies = Array.from({ length: CLIENTS * CALLS_PER_CLIENT }, (_, i) =>
    generateTraces({ seed: 1000 + i, resources: 1, scopesPerResource: 1, itemsPerScope: 600 }),
  );
  assert.ok(bodies.every((b) => b.length > 128 * 1024));
  const client = new Client(`127.0.0.1:${receiver.grpcPort}`, credentials.createInsecure());
  t.after(() => client.close());
  const codes = await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      const answered: number[] = [];
      for (let i = c; i < bodies.length; i += CLIENTS) answered.push(await exportTraces(client, bodies[i]!));
      return answered;
    }),
  );
  assert.deepEqual(
    codes.flat(),
    bodies.map(() => 0),
    'every call answered OK',
  );
  const records = await readRecords(receiver.topics.traces, bodies.length);
  assert.equal(records.length, bodies.length);
  assert.deepEqual(
    records.map((r) => digest(new Uint8Array(r.value))).sort(),
    bodies.map(digest).sort(),
    'the records are exactly the bodies sent',
  );
});
