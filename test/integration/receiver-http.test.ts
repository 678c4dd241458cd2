import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { decodeRequest, jsonToProtobuf, validateRequest } from '../../schemas/otlp/codec.js';
import { generateTraces } from '../fixtures/generate.js';
import * as sdk from '../fixtures/otel-sdk.js';
import { readRecords, topicSize } from '../harness/kafka.js';
import { type TestReceiver, startTestReceiver } from '../harness/receiver.js';

const PROTOBUF = { 'content-type': 'application/x-protobuf' };
const JSON_TYPE = { 'content-type': 'application/json' };

async function post(
  url: string,
  body: Uint8Array | string,
  headers: Record<string, string>,
): Promise<Response> {
  return fetch(url, { method: 'POST', body, headers });
}

describe('OTLP/HTTP receiver', () => {
  let receiver: TestReceiver;
  before(async () => {
    receiver = await startTestReceiver({
      'receiver.maxCompressedBodyBytes': 16 * 1024 * 1024,
      'receiver.maxBodyBytes': 32 * 1024 * 1024,
    });
  });
  after(async () => {
    await receiver.stop();
  });

  test('protobuf traces are forwarded as the same bytes, with the signal header', async () => {
    const body = sdk.spansProtobuf();
    const res = await post(`${receiver.httpUrl}/v1/traces`, body, PROTOBUF);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/x-protobuf');
    assert.equal((await res.arrayBuffer()).byteLength, 0, 'full success: empty ExportTraceServiceResponse');
    const [record] = await readRecords(receiver.topics.traces, 1);
    assert.deepEqual(new Uint8Array(record!.value), body);
    assert.equal(record!.headers['otelcol.signal'], 'traces');
    assert.ok(Number(record!.headers['tributary.received_at']) > Date.now() - 60_000);
    assert.equal(record!.key, null);
  });

  test('JSON logs (gzip) become the protobuf of the same data; the answer is JSON', async () => {
    const records = sdk.sdkLogRecords();
    const res = await post(`${receiver.httpUrl}/v1/logs`, gzipSync(sdk.logsJson(records)), {
      ...JSON_TYPE,
      'content-encoding': 'gzip',
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {});
    const [record] = await readRecords(receiver.topics.logs, 1);
    assert.deepEqual(decodeRequest('logs', record!.value), decodeRequest('logs', sdk.logsProtobuf(records)));
  });

  test('deflate protobuf metrics land in the metrics topic', async () => {
    const { deflateSync } = await import('node:zlib');
    const body = sdk.metricsProtobuf(await sdk.sdkMetrics());
    const res = await post(`${receiver.httpUrl}/v1/metrics`, deflateSync(body), {
      ...PROTOBUF,
      'content-encoding': 'deflate',
    });
    assert.equal(res.status, 200);
    const [record] = await readRecords(receiver.topics.metrics, 1);
    assert.deepEqual(new Uint8Array(record!.value), body);
    assert.equal(record!.headers['otelcol.signal'], 'metrics');
  });

  test('bad requests get a specific 4xx and nothing is produced', async () => {
    const before = await topicSize(receiver.topics.traces);
    const garbage = await post(`${receiver.httpUrl}/v1/traces`, Buffer.from([0x0a, 0xff, 0xff]), PROTOBUF);
    assert.equal(garbage.status, 400);
    const badJson = await post(
      `${receiver.httpUrl}/v1/traces`,
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"xyz"}]}]}]}',
      JSON_TYPE,
    );
    assert.equal(badJson.status, 400);
    assert.match(((await badJson.json()) as { message: string }).message, /traceId/);
    const wrongType = await post(`${receiver.httpUrl}/v1/traces`, 'hello', { 'content-type': 'text/plain' });
    assert.equal(wrongType.status, 415);
    const badEncoding = await post(`${receiver.httpUrl}/v1/traces`, sdk.spansProtobuf(), {
      ...PROTOBUF,
      'content-encoding': 'br',
    });
    assert.equal(badEncoding.status, 415);
    const notGzip = await post(`${receiver.httpUrl}/v1/traces`, 'plain', {
      ...PROTOBUF,
      'content-encoding': 'gzip',
    });
    assert.equal(notGzip.status, 400);
    assert.equal(
      (await fetch(`${receiver.httpUrl}/v1/nothing`, { method: 'POST', body: 'x', headers: PROTOBUF }))
        .status,
      404,
    );
    assert.equal((await fetch(`${receiver.httpUrl}/v1/traces`)).status, 405);
    assert.equal(await topicSize(receiver.topics.traces), before, 'nothing produced');
  });

  test('a gzip bomb is refused with 413 without inflating it all', async () => {
    const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024)); // 200 MiB of zeros in ~200 KB
    const res = await post(`${receiver.httpUrl}/v1/logs`, bomb, { ...PROTOBUF, 'content-encoding': 'gzip' });
    assert.equal(res.status, 413);
    const tooBig = await post(`${receiver.httpUrl}/v1/logs`, Buffer.alloc(17 * 1024 * 1024), PROTOBUF);
    assert.equal(tooBig.status, 413);
  });

  test('a 10 MB request is split into records under 1,000,000 bytes, every span exactly once', async (t) => {
    const own = await startTestReceiver({
      'receiver.maxCompressedBodyBytes': 16 * 1024 * 1024,
      'receiver.maxBodyBytes': 32 * 1024 * 1024,
    });
    t.after(() => own.stop());
    const body = generateTraces({ seed: 3, resources: 4, scopesPerResource: 2, itemsPerScope: 3700 });
    assert.ok(body.length > 10_000_000);
    const res = await post(`${own.httpUrl}/v1/traces`, gzipSync(body), {
      ...PROTOBUF,
      'content-encoding': 'gzip',
    });
    assert.equal(res.status, 200);
    const count = await topicSize(own.topics.traces);
    assert.ok(count >= 11, `${count} records`);
    const records = await readRecords(own.topics.traces, count);
    const spanIds: string[] = [];
    for (const record of records) {
      assert.ok(record.value.length <= 1_000_000);
      const decoded = decodeRequest('traces', record.value) as {
        resourceSpans: { scopeSpans: { spans: { spanId: Buffer }[] }[] }[];
      };
      for (const r of decoded.resourceSpans)
        for (const s of r.scopeSpans) for (const span of s.spans) spanIds.push(span.spanId.toString('hex'));
    }
    const sent = decodeRequest('traces', body) as {
      resourceSpans: { scopeSpans: { spans: { spanId: Buffer }[] }[] }[];
    };
    const expected = sent.resourceSpans.flatMap((r) =>
      r.scopeSpans.flatMap((s) => s.spans.map((span) => span.spanId.toString('hex'))),
    );
    assert.equal(spanIds.length, expected.length);
    assert.deepEqual(new Set(spanIds), new Set(expected));
  });
});

describe('OTLP/HTTP receiver options', () => {
  test('auth: bare key and Bearer key pass, others get 401', async (t) => {
    const receiver = await startTestReceiver({ 'receiver.apiKeys': 'key-one,key-two' });
    t.after(() => receiver.stop());
    const body = sdk.spansProtobuf();
    assert.equal((await post(`${receiver.httpUrl}/v1/traces`, body, PROTOBUF)).status, 401);
    assert.equal(
      (await post(`${receiver.httpUrl}/v1/traces`, body, { ...PROTOBUF, authorization: 'wrong' })).status,
      401,
    );
    assert.equal(
      (await post(`${receiver.httpUrl}/v1/traces`, body, { ...PROTOBUF, authorization: 'key-one' })).status,
      200,
    );
    assert.equal(
      (await post(`${receiver.httpUrl}/v1/traces`, body, { ...PROTOBUF, authorization: 'Bearer key-two' }))
        .status,
      200,
    );
    const records = await readRecords(receiver.topics.traces, 2);
    assert.equal(records.length, 2);
    for (const r of records) assert.match(r.headers['tributary.key_id'] ?? '', /^[0-9a-f]{12}$/);
    assert.ok(
      !JSON.stringify(records.map((r) => r.headers)).includes('key-one'),
      'the key itself never travels',
    );
  });

  test('CORS: allowed origin gets preflight and headers, others do not', async (t) => {
    const receiver = await startTestReceiver({ 'receiver.corsOrigins': 'https://app.example.com' });
    t.after(() => receiver.stop());
    const preflight = await fetch(`${receiver.httpUrl}/v1/traces`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://app.example.com');
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
    const denied = await fetch(`${receiver.httpUrl}/v1/traces`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example.com' },
    });
    assert.equal(denied.status, 403);
    const res = await post(`${receiver.httpUrl}/v1/logs`, sdk.logsProtobuf(), {
      ...PROTOBUF,
      origin: 'https://app.example.com',
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://app.example.com');
  });

  test('keyBy trace: one record per trace, keyed by its lowercase hex id; region header', async (t) => {
    const receiver = await startTestReceiver({ 'receiver.keyBy': 'trace', 'receiver.region': 'eu-1' });
    t.after(() => receiver.stop());
    const spans = sdk.sdkSpans();
    assert.equal(
      (await post(`${receiver.httpUrl}/v1/traces`, sdk.spansProtobuf(spans), PROTOBUF)).status,
      200,
    );
    const traceIds = [...new Set(spans.map((s) => s.spanContext().traceId))];
    const records = await readRecords(receiver.topics.traces, traceIds.length);
    assert.deepEqual(records.map((r) => r.key!.toString()).sort(), traceIds.sort());
    for (const r of records) assert.equal(r.headers['tributary.region'], 'eu-1');
  });

  test('regionAttribute stamps cloud.region into resources', async (t) => {
    const receiver = await startTestReceiver({ 'receiver.region': 'us-2', 'receiver.regionAttribute': true });
    t.after(() => receiver.stop());
    const body = jsonToProtobuf(
      'logs',
      JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'x' } }] }] }] }),
    );
    assert.equal((await post(`${receiver.httpUrl}/v1/logs`, body, PROTOBUF)).status, 200);
    const [record] = await readRecords(receiver.topics.logs, 1);
    const decoded = decodeRequest('logs', record!.value) as {
      resourceLogs: { resource: { attributes: { key: string; value: { stringValue: string } }[] } }[];
    };
    assert.deepEqual(
      decoded.resourceLogs[0]!.resource.attributes.find((a) => a.key === 'cloud.region')?.value.stringValue,
      'us-2',
    );
  });
});

test('per-key rate limits: 429 with Retry-After for the key over its limit, others unaffected', async (t) => {
  const receiver = await startTestReceiver({
    'receiver.apiKeys': 'key-fast,key-other',
    'receiver.rateLimitItemsPerSecond': 1,
    'receiver.rateLimitBurstItems': 3,
  });
  t.after(() => receiver.stop());
  const body = sdk.logsProtobuf(); // the SDK fixture's log records
  const items = validateRequest('logs', body).items;
  assert.ok(items >= 2 && items <= 3, `fixture has ${items} log records`);
  const post = (key: string) =>
    fetch(`${receiver.httpUrl}/v1/logs`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${key}` },
    });
  assert.equal((await post('key-fast')).status, 200);
  const limited = await post('key-fast');
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), '1');
  assert.match(await limited.text(), /rate limit/);
  assert.equal((await post('key-other')).status, 200, 'another key has its own budget');
});

test('a slow body is cut off after receiver.requestTimeoutMs, and nothing is produced', async (t) => {
  const receiver = await startTestReceiver({ 'receiver.requestTimeoutMs': 1_000 });
  t.after(() => receiver.stop());
  const { connect } = await import('node:net');
  const started = Date.now();
  const closedAfter = await new Promise<number>((resolve) => {
    const socket = connect(receiver.httpPort, '127.0.0.1', () => {
      socket.write(
        'POST /v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nContent-Length: 100000\r\n\r\n',
      );
      const drip = setInterval(() => socket.write('\x0a'), 200); // a byte every 200 ms, forever
      socket.once('close', () => {
        clearInterval(drip);
        resolve(Date.now() - started);
      });
      socket.on('error', () => undefined);
      socket.resume();
    });
  });
  assert.ok(closedAfter < 5_000, `connection closed after ${closedAfter} ms`);
  assert.equal(await topicSize(receiver.topics.logs), 0);
});
