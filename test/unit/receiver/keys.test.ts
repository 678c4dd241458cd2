/**
 * The receiver's record keys and partitions are the Collector kafkaexporter's: split parts carry the
 * keys schemas/keys.ts computes from the same input (traceIdKey, resourceKey), and the fnv1a choice
 * is saramaPartition.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonToProtobuf, splitRequest } from '../../../schemas/otlp/codec.js';
import { resourceKey, saramaPartition, traceIdKey } from '../../../schemas/keys.js';
import { keyPartition, keyPartitioner } from '../../../receiver/partitioner.js';
import { splitModes } from '../../../receiver/pipeline.js';

const hex = (b: Uint8Array | undefined): string => Buffer.from(b ?? []).toString('hex');
const text = (b: Uint8Array | undefined): string => Buffer.from(b ?? []).toString('latin1');
const ZERO = '0'.repeat(32);
const A = '5b8efff798038103d269b633813fc60c';
const B = '0102030405060708090a0b0c0d0e0f10';

test('keyBy modes follow the Collector options', () => {
  assert.deepEqual(splitModes('none'), { traces: 'none', logs: 'none', metrics: 'none' });
  assert.deepEqual(splitModes('trace'), { traces: 'trace', logs: 'trace', metrics: 'none' });
  assert.deepEqual(splitModes('resource'), { traces: 'none', logs: 'resource', metrics: 'resource' });
  assert.deepEqual(splitModes('trace-resource'), { traces: 'trace', logs: 'resource', metrics: 'resource' });
});

test('spans keyed per trace: hex ASCII, one part per trace; all-zero and missing ids share the empty key', () => {
  const span = (traceId: string | undefined, name: string) => ({
    ...(traceId === undefined ? {} : { traceId }),
    spanId: '0102030405060708',
    name,
  });
  const body = jsonToProtobuf(
    'traces',
    JSON.stringify({
      resourceSpans: [
        { scopeSpans: [{ spans: [span(A, 'a1'), span(B, 'b1'), span(ZERO, 'z1')] }] },
        { scopeSpans: [{ spans: [span(A, 'a2'), span(undefined, 'z2')] }] },
      ],
    }),
  );
  const parts = splitRequest('traces', body, 1_000_000, 'trace');
  assert.deepEqual(
    parts.map((p) => text(p.key)),
    [A, B, ''],
  );
  assert.equal(text(parts[0]!.key), text(traceIdKey(Buffer.from(A, 'hex'))));
  for (const part of parts) assert.ok(part.key, 'an empty key is still a key');
});

test('log records keyed per trace (partition_logs_by_trace_id); records without a trace id get the empty key', () => {
  const body = jsonToProtobuf(
    'logs',
    JSON.stringify({
      resourceLogs: [
        {
          scopeLogs: [
            {
              logRecords: [
                { traceId: B, body: { stringValue: 'b' } },
                { body: { stringValue: 'none' } },
                { traceId: B, body: { stringValue: 'b again' } },
              ],
            },
          ],
        },
      ],
    }),
  );
  const parts = splitRequest('logs', body, 1_000_000, 'trace');
  assert.deepEqual(
    parts.map((p) => [text(p.key), p.traceId]),
    [
      [B, B],
      ['', ''],
    ],
  );
});

test('logs and metrics keyed per resource by MapHash, equal to the Collector’s vector for the same attributes', () => {
  // The attributes of the Go-printed vector in test/unit/schemas/keys.test.ts ('mixed'), sent as OTLP.
  const attributes = [
    { key: 'service.name', value: { stringValue: 'checkout' } },
    { key: 'pid', value: { intValue: '-42' } },
    { key: 'ratio', value: { doubleValue: 0.25 } },
    { key: 'on', value: { boolValue: true } },
    { key: 'off', value: { boolValue: false } },
    { key: 'raw', value: { bytesValue: Buffer.from([0, 1, 255]).toString('base64') } },
    { key: 'nothing', value: {} },
    { key: 'list', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '1' }] } } },
    {
      key: 'nested',
      value: {
        kvlistValue: {
          values: [
            { key: 'z', value: { stringValue: '1' } },
            { key: 'a', value: { stringValue: '2' } },
          ],
        },
      },
    },
  ];
  const logs = jsonToProtobuf(
    'logs',
    JSON.stringify({
      resourceLogs: [
        { resource: { attributes }, scopeLogs: [{ logRecords: [{ body: { stringValue: 'x' } }] }] },
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
          scopeLogs: [{ logRecords: [{ body: { stringValue: 'y' } }] }],
        },
        { scopeLogs: [{ logRecords: [{ body: { stringValue: 'no resource' } }] }] },
      ],
    }),
  );
  const parts = splitRequest('logs', logs, 1_000_000, 'resource');
  assert.deepEqual(
    parts.map((p) => hex(p.key)),
    ['d9756c4dec24229897b9f9afdca368c3', '831d0817d731c2054ac194e9ddcf7e5c', '0'.repeat(32)],
  );
  assert.equal(hex(parts[1]!.key), hex(resourceKey([['service.name', 'checkout']])));
  const metrics = jsonToProtobuf(
    'metrics',
    JSON.stringify({
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
          scopeMetrics: [{ metrics: [{ name: 'm', gauge: { dataPoints: [{ asInt: '1' }] } }] }],
        },
      ],
    }),
  );
  assert.equal(
    hex(splitRequest('metrics', metrics, 1_000_000, 'resource')[0]!.key),
    '831d0817d731c2054ac194e9ddcf7e5c',
  );
});

test('receiver.partitioner: fnv1a is the Collector’s sarama_compat hash, murmur2 Kafka’s', () => {
  for (const key of [A, '', 'k1', B].map((k) => Buffer.from(k)))
    for (const n of [1, 3, 7, 64]) {
      assert.equal(keyPartitioner('fnv1a')(key, n), saramaPartition(key, n));
      assert.equal(keyPartitioner('murmur2')(key, n), keyPartition(key, n));
    }
});
