/**
 * Record keys and partitions side by side: the Collector's kafkaexporter (partition_traces_by_id,
 * partition_{logs,metrics}_by_resource_attributes, its default partitioner) and tributary's receiver
 * (receiver.keyBy=trace-resource, receiver.partitioner=fnv1a) receive the same OTLP requests on topics
 * with the same partition count; per signal, the records' (key, partition) pairs must be equal, and
 * so must the items each key's record holds.
 */
import { decodeRequest, jsonToProtobuf } from '../../schemas/otlp/codec.js';
import type { Signal } from '../../schemas/otlp/shapes.js';
import { generateLogs, generateMetrics, generateTraces } from '../../test/fixtures/generate.js';
import * as sdk from '../../test/fixtures/otel-sdk.js';
import { freshTopics, readRecords, topicSize } from '../../test/harness/kafka.js';
import type { TopicSet } from './interop-rows.js';
import { startTestReceiver } from '../../test/harness/receiver.js';
import { freePort } from '../../test/harness/stack.js';
import { startCollector } from './collector.js';
import { sleep } from './proc.js';

const PARTITIONS = 7;
const SIGNALS: Signal[] = ['traces', 'logs', 'metrics'];

export interface KeyCheck {
  readonly signal: Signal;
  readonly requests: number;
  readonly collectorRecords: number;
  readonly tributaryRecords: number;
  /** (key, partition) pairs of one side missing on the other. */
  readonly keyDifferences: string[];
  /** Keys whose records hold different items. */
  readonly contentDifferences: string[];
}

const attr = (key: string, value: Record<string, unknown>) => ({ key, value });

/** Edge cases beside the fixtures: spans without / with an all-zero trace id, mixed-type resource attributes. */
function edgeCases(): { signal: Signal; body: Uint8Array }[] {
  const span = (traceId: string | undefined, spanId: string) => ({
    ...(traceId === undefined ? {} : { traceId }),
    spanId,
    name: 'edge',
    startTimeUnixNano: '1795000000000000000',
    endTimeUnixNano: '1795000000100000000',
  });
  const mixed = [
    attr('service.name', { stringValue: 'checkout' }),
    attr('pid', { intValue: '-42' }),
    attr('ratio', { doubleValue: 0.25 }),
    attr('on', { boolValue: true }),
    attr('raw', { bytesValue: 'AAH/' }),
    attr('list', { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '1' }] } }),
    attr('nested', {
      kvlistValue: { values: [attr('z', { stringValue: '1' }), attr('a', { stringValue: 'ü' })] },
    }),
  ];
  const log = { timeUnixNano: '1795000000000000000', body: { stringValue: 'edge' } };
  return [
    {
      signal: 'traces',
      body: jsonToProtobuf(
        'traces',
        JSON.stringify({
          resourceSpans: [
            {
              resource: { attributes: mixed },
              scopeSpans: [
                { spans: [span(undefined, '0102030405060708'), span('0'.repeat(32), '0102030405060709')] },
              ],
            },
          ],
        }),
      ),
    },
    {
      signal: 'logs',
      body: jsonToProtobuf(
        'logs',
        JSON.stringify({
          resourceLogs: [
            { resource: { attributes: mixed }, scopeLogs: [{ logRecords: [log] }] },
            { resource: { attributes: [...mixed].reverse() }, scopeLogs: [{ logRecords: [log] }] },
            { scopeLogs: [{ logRecords: [log] }] },
          ],
        }),
      ),
    },
  ];
}

function requests(metrics: Uint8Array): { signal: Signal; body: Uint8Array }[] {
  const shape = { seed: 21, resources: 4, scopesPerResource: 2, itemsPerScope: 10 };
  return [
    { signal: 'traces', body: sdk.spansProtobuf() },
    { signal: 'logs', body: sdk.logsProtobuf() },
    { signal: 'metrics', body: metrics },
    { signal: 'traces', body: generateTraces(shape) },
    { signal: 'logs', body: generateLogs(shape) },
    { signal: 'metrics', body: generateMetrics(shape) },
    ...edgeCases(),
  ];
}

/**
 * A decoded value without its proto3 defaults: an absent message and an empty one (the Collector
 * re-marshals an absent resource or scope as an empty one), 0, '', false, [] and empty bytes all
 * vanish, bytes become hex; all-zero bytes (an all-zero trace id, which pdata marshals as absent)
 * vanish too. Two encodings of the same OTLP data compare equal.
 */
function canonical(value: unknown): unknown {
  if (
    value === null ||
    value === undefined ||
    value === 0 ||
    value === '' ||
    value === '0' ||
    value === false
  )
    return undefined;
  if (Buffer.isBuffer(value)) return value.every((b) => b === 0) ? undefined : value.toString('hex');
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.map((v) => canonical(v) ?? null);
  if (typeof value === 'object') {
    const entries = Object.entries(value)
      .map(([k, v]) => [k, canonical(v)] as const)
      .filter(([, v]) => v !== undefined);
    return entries.length === 0 ? undefined : Object.fromEntries(entries);
  }
  return value;
}

/** Items per record as canonical JSON, so two producers' records of one key compare by content. */
function itemsOf(signal: Signal, value: Buffer): string {
  const decoded = decodeRequest(signal, new Uint8Array(value));
  const [resources, scopes, items] =
    signal === 'traces'
      ? ['resourceSpans', 'scopeSpans', 'spans']
      : signal === 'logs'
        ? ['resourceLogs', 'scopeLogs', 'logRecords']
        : ['resourceMetrics', 'scopeMetrics', 'metrics'];
  const out: string[] = [];
  for (const r of decoded[resources] as Record<string, unknown>[])
    for (const s of r[scopes] as Record<string, unknown>[])
      for (const item of s[items] as unknown[])
        out.push(JSON.stringify(canonical([r['resource'], s['scope'], item])));
  return out.sort().join('\n');
}

async function readAll(topic: string, atLeast: number): Promise<Awaited<ReturnType<typeof readRecords>>> {
  // The Collector answers after Kafka acknowledged (sending queue off), so the records are there;
  // a short wait covers a slow leader.
  const deadline = Date.now() + 15_000;
  while ((await topicSize(topic)) < atLeast && Date.now() < deadline) await sleep(200);
  return readRecords(topic, await topicSize(topic));
}

export async function checkKeys(
  brokers: readonly string[],
  dir: string,
  /** Called with both topic sets once every record is in them (before the receivers stop). */
  afterwards?: (collector: TopicSet, tributary: TopicSet) => Promise<void>,
): Promise<KeyCheck[]> {
  const ours = await startTestReceiver(
    { 'receiver.keyBy': 'trace-resource', 'receiver.partitioner': 'fnv1a' },
    PARTITIONS,
  );
  const theirs = await freshTopics(PARTITIONS);
  const httpPort = await freePort();
  const collector = await startCollector({
    brokers,
    topics: theirs,
    httpPort,
    grpcPort: await freePort(),
    mode: 'durable',
    dir,
    keyed: true,
  });
  try {
    const sent = requests(sdk.metricsProtobuf(await sdk.sdkMetrics()));
    const collectorUrl = `http://127.0.0.1:${httpPort}`;
    for (const { signal, body } of sent)
      for (const url of [ours.httpUrl, collectorUrl]) {
        const res = await fetch(`${url}/v1/${signal}`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/x-protobuf' },
        });
        if (res.status !== 200)
          throw new Error(`${url} answered ${res.status} for ${signal}: ${await res.text()}`);
      }
    const checks: KeyCheck[] = [];
    for (const signal of SIGNALS) {
      const mine = await readRecords(ours.topics[signal], await topicSize(ours.topics[signal]));
      const other = await readAll(theirs[signal], mine.length);
      const pairs = (records: typeof mine): Map<string, string[]> => {
        const byPair = new Map<string, string[]>();
        for (const r of records) {
          const pair = `${(r.key ?? Buffer.alloc(0)).toString('hex') || '(empty)'}@${r.partition}${r.key ? '' : ' (null key)'}`;
          byPair.set(pair, [...(byPair.get(pair) ?? []), itemsOf(signal, r.value)].sort());
        }
        return byPair;
      };
      const a = pairs(other);
      const b = pairs(mine);
      const keyDifferences = [
        ...[...a.keys()].filter((k) => !b.has(k)).map((k) => `Collector only: ${k}`),
        ...[...b.keys()].filter((k) => !a.has(k)).map((k) => `tributary only: ${k}`),
        ...[...a.keys()]
          .filter((k) => b.has(k) && a.get(k)!.length !== b.get(k)!.length)
          .map((k) => `${k}: ${a.get(k)!.length} Collector records, ${b.get(k)!.length} tributary records`),
      ];
      const contentDifferences = [...a.keys()]
        .filter((k) => b.has(k) && a.get(k)!.length === b.get(k)!.length)
        .filter((k) => a.get(k)!.join('\u0000') !== b.get(k)!.join('\u0000'));
      if (process.env['INTEROP_KEYS_DEBUG'])
        for (const k of contentDifferences)
          process.stderr.write(
            `DEBUG ${k}\nCOLLECTOR ${a.get(k)!.join('\n---\n')}\nTRIBUTARY ${b.get(k)!.join('\n---\n')}\n`,
          );
      checks.push({
        signal,
        requests: sent.filter((r) => r.signal === signal).length,
        collectorRecords: other.length,
        tributaryRecords: mine.length,
        keyDifferences,
        contentDifferences,
      });
    }
    await afterwards?.(theirs, ours.topics);
    return checks;
  } finally {
    await Promise.allSettled([collector.stop(), ours.stop()]);
  }
}
