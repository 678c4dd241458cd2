import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TributaryError } from '../../core/errors.js';
import {
  decodeRequest,
  encodeResponse,
  encodeResponseJson,
  jsonToProtobuf,
  splitRequest,
  validateRequest,
} from '../../schemas/otlp/codec.js';
import * as sdk from '../fixtures/otel-sdk.js';

function rejects(fn: () => unknown, code: TributaryError['code'], pattern?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof TributaryError, `TributaryError, got ${String(err)}`);
    assert.equal(err.code, code);
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
}

test('SDK protobuf requests validate with the right counts', async () => {
  assert.deepEqual(validateRequest('traces', sdk.spansProtobuf()), { resources: 1, scopes: 1, items: 3 });
  assert.deepEqual(validateRequest('logs', sdk.logsProtobuf()), { resources: 1, scopes: 1, items: 3 });
  const metrics = validateRequest('metrics', sdk.metricsProtobuf(await sdk.sdkMetrics()));
  assert.equal(metrics.resources, 1);
  assert.equal(metrics.items, 5, 'one data point per instrument');
});

test('OTLP/JSON from the SDK converts to the same data as its protobuf', async () => {
  const spans = sdk.sdkSpans();
  assert.deepEqual(
    decodeRequest('traces', jsonToProtobuf('traces', sdk.spansJson(spans))),
    decodeRequest('traces', sdk.spansProtobuf(spans)),
  );
  const records = sdk.sdkLogRecords();
  assert.deepEqual(
    decodeRequest('logs', jsonToProtobuf('logs', sdk.logsJson(records))),
    decodeRequest('logs', sdk.logsProtobuf(records)),
  );
  const metrics = await sdk.sdkMetrics();
  assert.deepEqual(
    decodeRequest('metrics', jsonToProtobuf('metrics', sdk.metricsJson(metrics))),
    decodeRequest('metrics', sdk.metricsProtobuf(metrics)),
  );
});

test('JSON accepts snake_case names, enum names and int64 as numbers; ids must be hex', () => {
  const json = JSON.stringify({
    resource_spans: [
      {
        scope_spans: [
          {
            spans: [
              {
                trace_id: '0102030405060708090a0b0c0d0e0f10',
                span_id: '0102030405060708',
                name: 'x',
                kind: 'SPAN_KIND_SERVER',
                start_time_unix_nano: 1700000000000000000,
              },
            ],
          },
        ],
      },
    ],
  });
  const decoded = decodeRequest('traces', jsonToProtobuf('traces', json)) as {
    resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[];
  };
  const span = decoded.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
  assert.equal((span['traceId'] as Buffer).toString('hex'), '0102030405060708090a0b0c0d0e0f10');
  assert.equal(span['kind'], 2);
  assert.equal(span['startTimeUnixNano'], '1700000000000000000');
  rejects(
    () => jsonToProtobuf('traces', '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz"}]}]}]}'),
    'BAD_REQUEST',
    /traceId.*hex/,
  );
  rejects(() => jsonToProtobuf('traces', '{"resourceSpans": 5}'), 'BAD_REQUEST');
  rejects(() => jsonToProtobuf('logs', 'not json'), 'BAD_REQUEST', /invalid OTLP JSON/);
});

test('malformed protobuf is refused naming the field, never crashes', () => {
  const good = sdk.spansProtobuf();
  for (let cut = 1; cut < good.length; cut++) {
    try {
      validateRequest('traces', good.subarray(0, cut));
    } catch (err) {
      assert.ok(err instanceof TributaryError && err.code === 'BAD_REQUEST', `cut at ${cut}: ${String(err)}`);
    }
  }
  // A 15-byte trace id.
  const bad = jsonToProtobuf(
    'traces',
    JSON.stringify({
      resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '01'.repeat(15), name: 'x' }] }] }],
    }),
  );
  rejects(
    () => validateRequest('traces', bad),
    'BAD_REQUEST',
    /resource_spans\[0\]\.scope_spans\[0\]\.spans\[0\]\.trace_id: length 15, expected 16 or 0/,
  );
  // Invalid UTF-8 in a span name: field 5 of a span with bytes 0xff.
  const span = Buffer.from([0x2a, 0x02, 0xc3, 0x28]);
  const scope = Buffer.concat([Buffer.from([0x12, span.length]), span]);
  const resource = Buffer.concat([Buffer.from([0x12, scope.length]), scope]);
  const request = Buffer.concat([Buffer.from([0x0a, resource.length]), resource]);
  rejects(() => validateRequest('traces', request), 'BAD_REQUEST', /name: invalid UTF-8/);
  // Wrong wire type for resource_spans.
  rejects(() => validateRequest('traces', Buffer.from([0x08, 0x01])), 'BAD_REQUEST', /wrong wire type/);
  // Deep nesting bomb: AnyValue arrays inside arrays.
  let value: Buffer = Buffer.from([0x0a, 0x00]);
  for (let i = 0; i < 200; i++) {
    const array = Buffer.concat([Buffer.from([0x0a]), varint(value.length), value]);
    value = Buffer.concat([Buffer.from([0x2a]), varint(array.length), array]);
  }
  const kv = Buffer.concat([Buffer.from([0x0a, 0x01, 0x6b, 0x12]), varint(value.length), value]);
  const res = Buffer.concat([Buffer.from([0x0a]), varint(kv.length), kv]);
  const rs = Buffer.concat([Buffer.from([0x0a]), varint(res.length), res]);
  const req = Buffer.concat([Buffer.from([0x0a]), varint(rs.length), rs]);
  rejects(() => validateRequest('logs', req), 'BAD_REQUEST', /nesting deeper/);
});

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 128) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

test('unknown fields are skipped, as protobuf requires', () => {
  const request = Buffer.concat([sdk.spansProtobuf(), Buffer.from([0xf8, 0x3e, 0x05])]); // field 999 varint
  assert.equal(validateRequest('traces', request).items, 3);
});

test('responses: empty on full success, partial_success otherwise', () => {
  assert.equal(encodeResponse('traces', 0, '').length, 0);
  assert.equal(encodeResponseJson('logs', 0, ''), '{}');
  assert.deepEqual(JSON.parse(encodeResponseJson('metrics', 3, 'bad points')), {
    partialSuccess: { rejectedDataPoints: '3', errorMessage: 'bad points' },
  });
  assert.deepEqual([...encodeResponse('traces', 2, '')], [0x0a, 0x02, 0x08, 0x02]);
});

test('a request that fits is forwarded as the same bytes', () => {
  const bytes = sdk.spansProtobuf();
  const parts = splitRequest('traces', bytes, 1_000_000);
  assert.equal(parts.length, 1);
  assert.equal(parts[0]!.bytes, bytes);
});

test('trace mode puts each trace in its own record keyed by its lowercase hex id', () => {
  const spans = sdk.sdkSpans();
  const parts = splitRequest('traces', sdk.spansProtobuf(spans), 1_000_000, 'trace');
  const expected = [...new Set(spans.map((s) => s.spanContext().traceId))];
  assert.deepEqual(parts.map((p) => p.traceId).sort(), expected.sort());
  for (const part of parts) {
    const decoded = decodeRequest('traces', part.bytes) as {
      resourceSpans: { scopeSpans: { spans: { traceId: Buffer }[] }[] }[];
    };
    for (const span of decoded.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans))) {
      assert.equal(span.traceId.toString('hex'), part.traceId);
    }
  }
});

test('resource mode hashes resource attributes independently of their order', () => {
  const make = (attrs: [string, string][]): Uint8Array =>
    jsonToProtobuf(
      'logs',
      JSON.stringify({
        resourceLogs: [
          {
            resource: { attributes: attrs.map(([key, v]) => ({ key, value: { stringValue: v } })) },
            scopeLogs: [{ logRecords: [{ body: { stringValue: 'x' } }] }],
          },
        ],
      }),
    );
  const a = splitRequest(
    'logs',
    make([
      ['a', '1'],
      ['b', '2'],
    ]),
    1_000_000,
    'resource',
  );
  const b = splitRequest(
    'logs',
    make([
      ['b', '2'],
      ['a', '1'],
    ]),
    1_000_000,
    'resource',
  );
  const c = splitRequest(
    'logs',
    make([
      ['a', '1'],
      ['b', '3'],
    ]),
    1_000_000,
    'resource',
  );
  assert.equal(a[0]!.key!.length, 16);
  assert.deepEqual(a[0]!.key, b[0]!.key);
  assert.notDeepEqual(a[0]!.key, c[0]!.key);
});
