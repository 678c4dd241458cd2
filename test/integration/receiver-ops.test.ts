/** Receiver operations: graceful shutdown, gRPC auth, Prometheus metrics, two receivers as one. */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { Client, Metadata, credentials } from '@grpc/grpc-js';
import * as sdk from '../fixtures/otel-sdk.js';
import { readRecords } from '../harness/kafka.js';
import { startTestReceiver } from '../harness/receiver.js';
import { freePort } from '../harness/stack.js';

const PROTOBUF = { 'content-type': 'application/x-protobuf' };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('shutdown lets an in-flight request finish, then refuses new connections', async () => {
  const receiver = await startTestReceiver();
  const body = sdk.spansProtobuf();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(body.subarray(0, 10));
      await gate;
      controller.enqueue(body.subarray(10));
      controller.close();
    },
  });
  const pending = fetch(`${receiver.httpUrl}/v1/traces`, {
    method: 'POST',
    body: stream,
    headers: PROTOBUF,
    duplex: 'half',
  });
  await sleep(300); // the request is being received
  const stopped = receiver.stop();
  await sleep(200);
  release();
  const res = await pending;
  assert.equal(res.status, 200, 'the in-flight request completed');
  await stopped;
  const refused = await new Promise<boolean>((resolve) => {
    const socket = connect(receiver.httpPort, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
  assert.ok(refused, 'new connections are refused after shutdown');
  const [record] = await readRecords(receiver.topics.traces, 1);
  assert.deepEqual(new Uint8Array(record!.value), body);
});

function grpcExport(
  port: number,
  body: Uint8Array,
  authorization?: string,
): Promise<{ code: number; details?: string }> {
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  const metadata = new Metadata();
  if (authorization) metadata.set('authorization', authorization);
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from(body),
      metadata,
      (err) => {
        client.close();
        resolve(err ? { code: err.code, details: err.details } : { code: 0 });
      },
    );
  });
}

test('gRPC: API key in metadata, bare or Bearer; UNAUTHENTICATED otherwise', async (t) => {
  const receiver = await startTestReceiver({ 'receiver.apiKeys': 'grpc-key' });
  t.after(() => receiver.stop());
  const body = sdk.logsProtobuf();
  assert.equal((await grpcExport(receiver.grpcPort, body)).code, 16);
  assert.equal((await grpcExport(receiver.grpcPort, body, 'nope')).code, 16);
  assert.equal((await grpcExport(receiver.grpcPort, body, 'grpc-key')).code, 0);
  assert.equal((await grpcExport(receiver.grpcPort, body, 'Bearer grpc-key')).code, 0);
  assert.equal((await readRecords(receiver.topics.logs, 2)).length, 2);
});

test('Prometheus metrics count requests by signal, transport and outcome', async (t) => {
  const metricsPort = await freePort();
  const receiver = await startTestReceiver({ 'receiver.metricsPort': metricsPort });
  t.after(() => receiver.stop());
  assert.equal(
    (
      await fetch(`${receiver.httpUrl}/v1/traces`, {
        method: 'POST',
        body: sdk.spansProtobuf(),
        headers: PROTOBUF,
      })
    ).status,
    200,
  );
  assert.equal(
    (await fetch(`${receiver.httpUrl}/v1/traces`, { method: 'POST', body: 'x', headers: PROTOBUF })).status,
    400,
  );
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  assert.match(
    text,
    /^tributary_receiver_requests_total\{outcome="ok",signal="traces",transport="http"\} 1$/m,
  );
  assert.match(
    text,
    /^tributary_receiver_requests_total\{outcome="BAD_REQUEST",signal="traces",transport="http"\} 1$/m,
  );
  assert.match(text, /^tributary_receiver_items_total\{signal="traces",transport="http"\} 3$/m);
  assert.match(text, /^# TYPE tributary_receiver_produce_seconds histogram$/m);
});

test('two receivers on the same topics behave like one', async (t) => {
  const first = await startTestReceiver();
  t.after(() => first.stop());
  const { startReceiver } = await import('../../receiver/main.js');
  const second = await startReceiver({
    ...first.config,
    'receiver.httpPort': 0,
    'receiver.grpcPort': 0,
    'receiver.healthPort': 0,
  });
  t.after(() => second.stop());
  const bodies = [sdk.logsProtobuf(), sdk.logsProtobuf()];
  assert.equal(
    (await fetch(`${first.httpUrl}/v1/logs`, { method: 'POST', body: bodies[0], headers: PROTOBUF })).status,
    200,
  );
  assert.equal(
    (
      await fetch(`http://127.0.0.1:${second.httpPort}/v1/logs`, {
        method: 'POST',
        body: bodies[1],
        headers: PROTOBUF,
      })
    ).status,
    200,
  );
  const records = await readRecords(first.topics.logs, 2);
  assert.equal(records.length, 2);
});
