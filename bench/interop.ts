/**
 * Interop with the OpenTelemetry Collector's kafkareceiver: records tributary's receiver wrote are read
 * by the Collector (kafkareceiver, `encoding: otlp_proto`) and exported over OTLP/HTTP into a second
 * tributary receiver; the round trip must decode to exactly what the OpenTelemetry JS SDK exported, for
 * traces, logs and metrics. Then keys (bench/lib/interop-keys.ts): the Collector's kafkaexporter and
 * tributary's receiver, keyed alike, must give every record the same key and partition; that result is
 * written to bench/results/interop-keys-<date>.{json,md}. Needs the Collector build
 * (bench/collector/build.sh, run on first use).
 *
 *   npm run interop
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromRoot } from '../core/paths.js';
import { decodeRequest } from '../schemas/otlp/codec.js';
import * as sdk from '../test/fixtures/otel-sdk.js';
import { readRecords } from '../test/harness/kafka.js';
import { startTestReceiver } from '../test/harness/receiver.js';
import { startTestStack } from '../test/harness/stack.js';
import { COLLECTOR_BINARY, collectorBuilt } from './lib/collector.js';
import { type KeyCheck, checkKeys } from './lib/interop-keys.js';
import { compareWrittenRows } from './lib/interop-rows.js';
import type { TableResult } from './lib/parity-compare.js';

const say = (line: string): void => {
  process.stderr.write(`interop: ${line}\n`);
};

async function main(): Promise<void> {
  if (!collectorBuilt()) {
    say('building the OpenTelemetry Collector (first run only)');
    if (spawnSync('bash', [fromRoot('bench', 'collector', 'build.sh')], { stdio: 'inherit' }).status !== 0)
      throw new Error('the Collector build failed (needs Go)');
  }
  const stack = await startTestStack(say);
  Object.assign(process.env, stack.env);
  const receiverA = await startTestReceiver();
  const receiverB = await startTestReceiver();
  let collector: ReturnType<typeof spawn> | undefined;
  let failures = 0;
  try {
    const bodies = {
      traces: sdk.spansProtobuf(),
      logs: sdk.logsProtobuf(),
      metrics: sdk.metricsProtobuf(await sdk.sdkMetrics()),
    } as const;
    for (const [signal, body] of Object.entries(bodies)) {
      const response = await fetch(`${receiverA.httpUrl}/v1/${signal}`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/x-protobuf' },
      });
      if (response.status !== 200) throw new Error(`receiver A answered ${response.status} for ${signal}`);
    }
    const dir = fromRoot('bench', 'results', 'tmp');
    mkdirSync(dir, { recursive: true });
    const configPath = join(dir, 'interop.yaml');
    const topic = (name: string): string => `{ topics: ["${name}"], encoding: otlp_proto }`;
    writeFileSync(
      configPath,
      [
        'receivers:',
        '  kafka:',
        `    brokers: ["${stack.env['TEST_KAFKA_BROKERS']}"]`,
        '    group_id: tributary-interop',
        '    initial_offset: earliest',
        `    traces: ${topic(receiverA.topics.traces)}`,
        `    logs: ${topic(receiverA.topics.logs)}`,
        `    metrics: ${topic(receiverA.topics.metrics)}`,
        'exporters:',
        '  otlphttp:',
        `    endpoint: "${receiverB.httpUrl}"`,
        '    compression: none',
        'service:',
        '  telemetry: { logs: { level: error }, metrics: { level: none } }',
        '  pipelines:',
        '    traces: { receivers: [kafka], exporters: [otlphttp] }',
        '    logs: { receivers: [kafka], exporters: [otlphttp] }',
        '    metrics: { receivers: [kafka], exporters: [otlphttp] }',
      ].join('\n') + '\n',
    );
    collector = spawn(COLLECTOR_BINARY, ['--config', configPath], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    for (const signal of ['traces', 'logs', 'metrics'] as const) {
      const [record] = await readRecords(receiverB.topics[signal], 1, 60_000);
      const same =
        JSON.stringify(decodeRequest(signal, bodies[signal])) ===
        JSON.stringify(decodeRequest(signal, new Uint8Array(record!.value)));
      if (!same) failures++;
      process.stdout.write(
        `${signal}: tributary → Kafka → Collector kafkareceiver (otlp_proto) → OTLP/HTTP → tributary: ${same ? 'identical' : 'DIFFERENT'}\n`,
      );
    }
    let rows: TableResult[] = [];
    const checks = await checkKeys(stack.env['TEST_KAFKA_BROKERS']!.split(','), dir, async (theirs, ours) => {
      rows = await compareWrittenRows(theirs, ours, say);
    });
    for (const c of checks) {
      const same = c.keyDifferences.length === 0 && c.contentDifferences.length === 0;
      if (!same) failures++;
      process.stdout.write(
        `${c.signal} keys: Collector kafkaexporter ${c.collectorRecords} records, tributary ${c.tributaryRecords}: ${same ? 'same keys, partitions and items' : 'DIFFERENT'}\n`,
      );
      for (const d of [...c.keyDifferences, ...c.contentDifferences.map((k) => `items differ: ${k}`)])
        process.stdout.write(`  ${d}\n`);
    }
    for (const r of rows) {
      const same = r.rowsA === r.rowsB && r.identical === r.rowsA;
      if (!same) failures++;
      process.stdout.write(
        `${r.table}: rows from the Collector's topic ${r.rowsA}, from tributary's ${r.rowsB}, identical ${r.identical}${same ? '' : ' — DIFFERENT'}\n`,
      );
    }
    writeKeyResults(checks, rows);
  } finally {
    collector?.kill('SIGTERM');
    await Promise.allSettled([receiverA.stop(), receiverB.stop()]);
    await stack.stop();
  }
  if (failures > 0) process.exitCode = 1;
}

function writeKeyResults(checks: readonly KeyCheck[], tables: readonly TableResult[]): void {
  const date = new Date().toISOString().slice(0, 10);
  const base = fromRoot('bench', 'results', `interop-keys-${date}`);
  const rowsTable = tables.map(
    (t) =>
      `| ${t.table} | ${t.rowsA} | ${t.rowsB} | ${t.identical} | ${t.differing} | ${t.onlyA} / ${t.onlyB} |`,
  );
  writeFileSync(
    `${base}.json`,
    JSON.stringify(
      {
        date,
        partitions: 7,
        checks,
        rows: tables.map(({ table, rowsA, rowsB, identical, differing, onlyA, onlyB }) => ({
          table,
          fromCollectorTopic: rowsA,
          fromTributaryTopic: rowsB,
          identical,
          differing,
          onlyCollector: onlyA,
          onlyTributary: onlyB,
        })),
      },
      null,
      2,
    ) + '\n',
  );
  const rows = checks.map(
    (c) =>
      `| ${c.signal} | ${c.requests} | ${c.collectorRecords} | ${c.tributaryRecords} | ${c.keyDifferences.length} | ${c.contentDifferences.length} |`,
  );
  writeFileSync(
    `${base}.md`,
    [
      `# Record keys: Collector kafkaexporter vs tributary receiver (${date})`,
      '',
      '`npm run interop`. The same OTLP/HTTP requests (SDK fixtures, generated load, spans without or with',
      'an all-zero trace id, mixed-type resource attributes in two orders, a resource without attributes)',
      'went to the Collector v0.155.0 (otlp receiver → kafkaexporter, `partition_traces_by_id`,',
      '`partition_{logs,metrics}_by_resource_attributes`, default partitioner) and to tributary',
      '(`receiver.keyBy=trace-resource`, `receiver.partitioner=fnv1a`), each onto topics of 7 partitions.',
      'Differences count (key, partition) pairs found on one side only, and keys whose records hold other',
      'items (compared without proto3 defaults: the Collector re-marshals an absent resource or scope as an',
      'empty one, and an all-zero trace id as absent).',
      '',
      '| signal | requests | Collector records | tributary records | key/partition differences | item differences |',
      '|---|---|---|---|---|---|',
      ...rows,
      '',
      '## Rows written from either topic',
      '',
      "One tributary writer per topic set (the Collector's and tributary's, above) drained it into its own",
      'database; every table compared row by row as `npm run parity` does (all columns but ALIAS and',
      'insert-time ones, maps as ordered pairs).',
      '',
      "| table | rows from the Collector's topic | rows from tributary's topic | identical | differing | only one side |",
      '|---|---|---|---|---|---|',
      ...rowsTable,
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
