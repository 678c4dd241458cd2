/**
 * Conformance with clients nobody here wrote: the official OpenTelemetry JS exporters (http/protobuf,
 * http/json, grpc; gzip on and off) send to the receiver, and what lands in Kafka decodes to exactly
 * what the SDK's own serializer makes of the same data.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPLogExporter as LogsGrpc } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as LogsJson } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as LogsProto } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as MetricsGrpc } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as MetricsJson } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as MetricsProto } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as TraceGrpc } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as TraceJson } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as TraceProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { decodeRequest } from '../../schemas/otlp/codec.js';
import * as sdk from '../fixtures/otel-sdk.js';
import { readRecords } from '../harness/kafka.js';
import { type TestReceiver, startTestReceiver } from '../harness/receiver.js';

interface Exporter<T> {
  export(items: T, done: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
}

function exportWith<T>(exporter: Exporter<T>, items: T): Promise<void> {
  return new Promise((resolve, reject) => {
    exporter.export(items, (result) => {
      if (result.code === ExportResultCode.SUCCESS) resolve();
      else reject(result.error ?? new Error('export failed'));
    });
  });
}

const transports = ['http/protobuf', 'http/json', 'grpc'] as const;
const compressions = [CompressionAlgorithm.NONE, CompressionAlgorithm.GZIP];

describe('official OpenTelemetry JS exporters → receiver → Kafka', () => {
  let receiver: TestReceiver;
  let tracesSeen = 0;
  let logsSeen = 0;
  let metricsSeen = 0;
  before(async () => {
    // One partition keeps the records in the order the tests sent them.
    receiver = await startTestReceiver({}, 1);
  });
  after(async () => {
    await receiver.stop();
  });
  const endpoint = (transport: (typeof transports)[number], path: string): string =>
    transport === 'grpc' ? `http://127.0.0.1:${receiver.grpcPort}` : `${receiver.httpUrl}${path}`;

  for (const transport of transports) {
    for (const compression of compressions) {
      test(`traces over ${transport}, compression ${compression}`, async () => {
        const spans = sdk.sdkSpans();
        const url = endpoint(transport, '/v1/traces');
        const exporter =
          transport === 'grpc'
            ? new TraceGrpc({ url, compression })
            : transport === 'http/json'
              ? new TraceJson({ url, compression })
              : new TraceProto({ url, compression });
        await exportWith(exporter, spans);
        await exporter.shutdown();
        const records = await readRecords(receiver.topics.traces, ++tracesSeen);
        assert.deepEqual(
          decodeRequest('traces', records.at(-1)!.value),
          decodeRequest('traces', sdk.spansProtobuf(spans)),
        );
      });

      test(`logs over ${transport}, compression ${compression}`, async () => {
        const logRecords = sdk.sdkLogRecords();
        const url = endpoint(transport, '/v1/logs');
        const exporter =
          transport === 'grpc'
            ? new LogsGrpc({ url, compression })
            : transport === 'http/json'
              ? new LogsJson({ url, compression })
              : new LogsProto({ url, compression });
        await exportWith(exporter, logRecords);
        await exporter.shutdown();
        const records = await readRecords(receiver.topics.logs, ++logsSeen);
        assert.deepEqual(
          decodeRequest('logs', records.at(-1)!.value),
          decodeRequest('logs', sdk.logsProtobuf(logRecords)),
        );
      });

      test(`metrics over ${transport}, compression ${compression}`, async () => {
        const metrics = await sdk.sdkMetrics();
        const url = endpoint(transport, '/v1/metrics');
        const exporter =
          transport === 'grpc'
            ? new MetricsGrpc({ url, compression })
            : transport === 'http/json'
              ? new MetricsJson({ url, compression })
              : new MetricsProto({ url, compression });
        await exportWith(exporter, metrics);
        await exporter.shutdown();
        const records = await readRecords(receiver.topics.metrics, ++metricsSeen);
        assert.deepEqual(
          decodeRequest('metrics', records.at(-1)!.value),
          decodeRequest('metrics', sdk.metricsProtobuf(metrics)),
        );
      });
    }
  }

  test('gRPC refuses bad data with INVALID_ARGUMENT and a message', async () => {
    const { Client, credentials } = await import('@grpc/grpc-js');
    const client = new Client(`127.0.0.1:${receiver.grpcPort}`, credentials.createInsecure());
    const error = await new Promise<{ code: number; details: string }>((resolve) => {
      client.makeUnaryRequest(
        '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.from([0x0a, 0xff, 0xff]),
        (err) => resolve(err as unknown as { code: number; details: string }),
      );
    });
    client.close();
    assert.equal(error.code, 3);
    assert.match(error.details, /invalid OTLP traces protobuf/);
  });
});
