/**
 * tributary observes itself through OpenTelemetry: `dev` exports the receiver's and writer's own
 * spans and metrics into its own receiver, so after a short load they are in ClickHouse beside the
 * data — a span per request (with its produce span and validation event), the Prometheus metrics
 * under OTel names — and exporting creates no spans of its own (no loop, no amplification).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { Client, credentials } from '@grpc/grpc-js';
import { selfCommand } from '../../core/self.js';
import { count, eventually, rows, testClient } from '../harness/clickhouse.js';
import { flagValue, testDevArgs } from '../harness/dev.js';
import { clickhouseUrl, uniqueName } from '../harness/env.js';
import { logsProtobuf } from '../fixtures/otel-sdk.js';

const LOGS_EXPORT = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';

function grpcExport(port: string, body: Uint8Array): Promise<void> {
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  const same = (b: Buffer): Buffer => b;
  return new Promise<void>((resolve, reject) => {
    client.makeUnaryRequest(LOGS_EXPORT, same, same, Buffer.from(body), (err) => {
      client.close();
      if (err) reject(err);
      else resolve();
    });
  });
}

test(
  'dev exports its own spans and metrics into ClickHouse, without loops',
  { timeout: 120_000 },
  async (t) => {
    const database = uniqueName('self');
    const args = await testDevArgs(database, clickhouseUrl(), ['--telemetry-export-interval-ms', '1000']);
    t.after(() => rmSync(flagValue(args, '--state-dir'), { recursive: true, force: true }));
    const self = selfCommand();
    const dev = spawn(self.command, [...self.args, ...args], {
      env: { PATH: process.env['PATH'] ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    dev.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    dev.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => dev.once('exit', (code) => resolve(code)));
    t.after(() => dev.kill('SIGKILL'));
    await eventually(
      async () => Promise.resolve(output.includes('[dev] ready in') || dev.exitCode !== null),
      90_000,
      'dev ready',
    );
    assert.match(output, /own telemetry → http:\/\/127\.0\.0\.1:\d+ \(ServiceName tributary-receiver/);

    const httpPort = flagValue(args, '--receiver-http-port');
    const requests = 5;
    for (let i = 0; i < requests; i++) {
      const res = await fetch(`http://127.0.0.1:${httpPort}/v1/logs`, {
        method: 'POST',
        body: Buffer.from(logsProtobuf()),
        headers: { 'content-type': 'application/x-protobuf' },
      });
      assert.equal(res.status, 200);
    }
    await grpcExport(flagValue(args, '--receiver-grpc-port'), logsProtobuf());

    const client = testClient();
    t.after(() => client.close());
    const spans = (where: string): Promise<number> =>
      count(client, `SELECT count() AS n FROM ${database}.otel_traces WHERE ${where}`);
    await eventually(
      async () =>
        (await spans("ServiceName = 'tributary-receiver' AND SpanName = 'POST /v1/logs'")) === requests &&
        (await spans(`ServiceName = 'tributary-receiver' AND SpanName = '${LOGS_EXPORT.slice(1)}'`)) === 1,
      60_000,
      'one server span per request, HTTP and gRPC',
    );
    // receive → validate → produce → answer: the validation event and a PRODUCER child per request.
    const shape = await rows<{ kind: string; status: string; validated: number; child: string }>(
      client,
      `SELECT s.SpanKind AS kind, s.SpanAttributes['http.response.status_code'] AS status,
            has(s.Events.Name, 'validated') AS validated, p.SpanName AS child
       FROM ${database}.otel_traces AS s
       JOIN ${database}.otel_traces AS p ON p.ParentSpanId = s.SpanId AND p.TraceId = s.TraceId
      WHERE s.ServiceName = 'tributary-receiver' AND s.SpanName = 'POST /v1/logs' AND p.SpanKind = 'Producer'
      LIMIT 1`,
    );
    assert.deepEqual(shape, [
      { kind: 'Server', status: '200', validated: 1, child: `send ${database}.otlp_logs` },
    ]);

    // fetch → decode → insert → commit: a CONSUMER span per written batch of the logs topic, its
    // INSERT as a CLIENT child, the steps as events. Batches of only self-telemetry get no span.
    await eventually(
      async () =>
        (await spans(`ServiceName = 'tributary-writer' AND SpanName = 'process ${database}.otlp_logs'`)) > 0,
      60_000,
      'a writer span per batch',
    );
    const batch = await rows<{ kind: string; events: string[]; children: string[] }>(
      client,
      `SELECT any(s.SpanKind) AS kind, any(s.Events.Name) AS events, arraySort(groupArray(c.SpanName)) AS children
       FROM ${database}.otel_traces AS s
       JOIN ${database}.otel_traces AS c ON c.ParentSpanId = s.SpanId AND c.TraceId = s.TraceId
      WHERE s.ServiceName = 'tributary-writer' AND s.SpanName = 'process ${database}.otlp_logs'
        AND c.SpanKind = 'Client'
      GROUP BY s.SpanId LIMIT 1`,
    );
    assert.equal(batch.length, 1);
    assert.equal(batch[0]!.kind, 'Consumer');
    assert.deepEqual(batch[0]!.events, ['decoded', 'done recorded', 'committed']);
    assert.ok(batch[0]!.children.includes('INSERT otel_logs'), batch[0]!.children.join());
    assert.equal(
      await spans(
        `ServiceName = 'tributary-writer' AND SpanName != 'process ${database}.otlp_logs' AND SpanKind = 'Consumer'`,
      ),
      0,
      'batches of self-telemetry only are not traced',
    );

    // Metrics of both components, under their OTel names.
    const metric = (table: string, service: string, name: string): Promise<number> =>
      count(
        client,
        `SELECT count() AS n FROM ${database}.otel_metrics_${table} WHERE ServiceName = '${service}' AND MetricName = '${name}'`,
      );
    await eventually(
      async () =>
        (await metric('sum', 'tributary-receiver', 'tributary.receiver.requests')) > 0 &&
        (await metric('sum', 'tributary-writer', 'tributary.writer.rows')) > 0 &&
        (await metric('histogram', 'tributary-receiver', 'tributary.receiver.produce_seconds')) > 0 &&
        (await metric('gauge', 'tributary-writer', 'nodejs.eventloop.delay.p99')) > 0,
      60_000,
      'receiver and writer metrics in ClickHouse',
    );

    // No loop: the export requests themselves are never traced, and idle, the span count stays put.
    assert.equal(await spans("SpanName IN ('POST /v1/traces', 'POST /v1/metrics')"), 0);
    const before = await spans('1');
    await new Promise((r) => setTimeout(r, 3_000)); // three export intervals with no user traffic
    assert.equal(await spans('1'), before, 'no spans appear without traffic');

    dev.kill('SIGINT');
    assert.equal(await exited, 0, output.slice(-2000));
  },
);
