/**
 * Record keys and partitions on a real broker are the Collector kafkaexporter's for the same OTLP
 * input: traces keyed by the hex trace id, logs and metrics by MapHash(resource attributes), the
 * partition the Sarama-compatible FNV-1a hash of the key (receiver.partitioner: fnv1a).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonToProtobuf } from '../../schemas/otlp/codec.js';
import { resourceKey, saramaPartition, traceIdKey } from '../../schemas/keys.js';
import { keyPartition } from '../../receiver/partitioner.js';
import type { Raw } from '../../writer/decode/anyvalue.js';
import { generateLogsObject, generateMetricsObject, generateTracesObject } from '../fixtures/generate.js';
import { readRecords, topicSize } from '../harness/kafka.js';
import { startTestReceiver } from '../harness/receiver.js';

const PARTITIONS = 7;
const SHAPE = { seed: 14, resources: 3, scopesPerResource: 2, itemsPerScope: 5 };

type Json = Record<string, unknown>;
interface JsonAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string; boolValue?: boolean };
}

/** The resource attributes of an OTLP/JSON object's resource entries, as schemas/keys.ts takes them. */
function resourceAttributes(object: Json, field: string): [string, Raw][][] {
  return (object[field] as { resource: { attributes: JsonAttribute[] } }[]).map((r) =>
    r.resource.attributes.map(({ key, value }): [string, Raw] => [
      key,
      value.stringValue ??
        (value.intValue !== undefined ? BigInt(value.intValue) : (value.boolValue ?? null)),
    ]),
  );
}

function traceIds(object: Json): string[] {
  const spans = (object['resourceSpans'] as { scopeSpans: { spans: { traceId: string }[] }[] }[]).flatMap(
    (r) => r.scopeSpans.flatMap((s) => s.spans),
  );
  return [...new Set(spans.map((s) => s.traceId))];
}

async function post(url: string, body: Uint8Array): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/x-protobuf' },
  });
  assert.equal(res.status, 200, await res.text());
}

const hex = (b: Uint8Array | null): string => Buffer.from(b ?? []).toString('hex');

test('keyBy trace-resource + partitioner fnv1a: the Collector’s keys on the Collector’s partitions', async (t) => {
  const receiver = await startTestReceiver(
    { 'receiver.keyBy': 'trace-resource', 'receiver.partitioner': 'fnv1a' },
    PARTITIONS,
  );
  t.after(() => receiver.stop());

  const traces = generateTracesObject(SHAPE);
  // One span without a trace id: the Collector keys it with an empty (not a null) key.
  const resourceSpans = traces['resourceSpans'] as { scopeSpans: { spans: Json[] }[] }[];
  const ids = traceIds(traces);
  const orphan: Json = { ...resourceSpans[0]!.scopeSpans[0]!.spans[0]!, spanId: 'ffffffffffffffff' };
  delete orphan['traceId'];
  resourceSpans[0]!.scopeSpans[0]!.spans.push(orphan);
  await post(`${receiver.httpUrl}/v1/traces`, jsonToProtobuf('traces', JSON.stringify(traces)));
  const spanRecords = await readRecords(receiver.topics.traces, ids.length + 1);
  const expectedTraceKeys = [...ids.map((id) => hex(traceIdKey(Buffer.from(id, 'hex')))), ''];
  assert.deepEqual(spanRecords.map((r) => hex(r.key)).sort(), expectedTraceKeys.sort());
  const empty = spanRecords.find((r) => r.key?.length === 0);
  assert.ok(empty, 'the span without a trace id has an empty key, not a null one');

  const logs = generateLogsObject(SHAPE);
  await post(`${receiver.httpUrl}/v1/logs`, jsonToProtobuf('logs', JSON.stringify(logs)));
  const logRecords = await readRecords(receiver.topics.logs, SHAPE.resources);
  assert.deepEqual(
    logRecords.map((r) => hex(r.key)).sort(),
    resourceAttributes(logs, 'resourceLogs')
      .map((attrs) => hex(resourceKey(attrs)))
      .sort(),
  );

  const metrics = generateMetricsObject(SHAPE);
  await post(`${receiver.httpUrl}/v1/metrics`, jsonToProtobuf('metrics', JSON.stringify(metrics)));
  const metricRecords = await readRecords(receiver.topics.metrics, SHAPE.resources);
  assert.deepEqual(
    metricRecords.map((r) => hex(r.key)).sort(),
    resourceAttributes(metrics, 'resourceMetrics')
      .map((attrs) => hex(resourceKey(attrs)))
      .sort(),
  );

  const all = [...spanRecords, ...logRecords, ...metricRecords];
  for (const r of all) {
    assert.equal(r.partition, saramaPartition(r.key!, PARTITIONS), `key ${hex(r.key)}`);
    assert.equal(
      r.headers['otelcol.signal'],
      r.topic.split('otlp_')[1] === 'spans' ? 'traces' : r.topic.split('otlp_')[1],
    );
  }
  // Nothing beyond the keyed records: one per trace (and the empty key), one per resource.
  assert.equal(await topicSize(receiver.topics.traces), ids.length + 1);
  assert.equal(await topicSize(receiver.topics.logs), SHAPE.resources);
});

test('keyBy trace keys log records by trace id; the default partitioner stays murmur2', async (t) => {
  const receiver = await startTestReceiver({ 'receiver.keyBy': 'trace' }, PARTITIONS);
  t.after(() => receiver.stop());
  const logs = generateLogsObject({ ...SHAPE, resources: 1, scopesPerResource: 1, itemsPerScope: 4 });
  const records = (logs['resourceLogs'] as { scopeLogs: { logRecords: Json[] }[] }[])[0]!.scopeLogs[0]!
    .logRecords;
  records[1]!['traceId'] = records[0]!['traceId'];
  delete records[3]!['traceId'];
  await post(`${receiver.httpUrl}/v1/logs`, jsonToProtobuf('logs', JSON.stringify(logs)));
  const read = await readRecords(receiver.topics.logs, 3);
  assert.deepEqual(
    read.map((r) => r.key!.toString('latin1')).sort(),
    [records[0]!['traceId'] as string, records[2]!['traceId'] as string, ''].sort(),
  );
  for (const r of read) assert.equal(r.partition, keyPartition(r.key!, PARTITIONS));
  assert.equal(await topicSize(receiver.topics.logs), 3);
});
