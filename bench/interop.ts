/**
 * Interop with the OpenTelemetry Collector's kafkareceiver: records tributary's receiver wrote are read
 * by the Collector (kafkareceiver, `encoding: otlp_proto`) and exported over OTLP/HTTP into a second
 * tributary receiver; the round trip must decode to exactly what the OpenTelemetry JS SDK exported, for
 * traces, logs and metrics. Needs the Collector build (bench/collector/build.sh, run on first use).
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
  } finally {
    collector?.kill('SIGTERM');
    await Promise.allSettled([receiverA.stop(), receiverB.stop()]);
    await stack.stop();
  }
  if (failures > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
