/**
 * tributary's own telemetry through OpenTelemetry: the process resource (service.name
 * tributary-receiver / tributary-writer), optional OTLP/HTTP export of its spans and metrics
 * (`telemetry.*` keys; `dev` points it at its own receiver), and the span helpers of the receiver.
 *
 * No loops, no amplification: the exporters mark their requests with SELF_TELEMETRY_HEADER, and a
 * request carrying it gets no span and suppresses tracing below it, so exporting spans never makes
 * spans. Without an endpoint nothing is registered: the helpers cost a flag check.
 */
import { readFileSync } from 'node:fs';
import {
  type Attributes,
  type Span,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  context,
  diag,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator, suppressTracing } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { type Resource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  InstrumentType,
  type MetricReader,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Config } from './config/options.js';
import { TributaryError } from './errors.js';
import { createLogger } from './log.js';
import { fromRoot } from './paths.js';

/** Set on every self-telemetry export request; the receiver does not trace such requests. */
export const SELF_TELEMETRY_HEADER = 'x-tributary-self-telemetry';

const VERSION = (JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')) as { version: string }).version;

interface Export {
  readonly endpoint: string;
  readonly headers: Record<string, string>;
  readonly intervalMs: number;
}

let resource: Resource = resourceFromAttributes({
  [ATTR_SERVICE_NAME]: 'tributary',
  [ATTR_SERVICE_VERSION]: VERSION,
});
let exporting: Export | undefined;
let tracing = false;

export interface Telemetry {
  /** Flushes what is buffered (bounded by the exporter timeouts) and stops exporting. */
  shutdown(): Promise<void>;
}

/** `name=value` entries of telemetry.otlpHeaders. */
function parseHeaders(entries: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq <= 0)
      throw new TributaryError(
        'CONFIG_INVALID',
        `config telemetry.otlpHeaders: "${entry}" is not name=value`,
      );
    headers[entry.slice(0, eq).trim().toLowerCase()] = entry.slice(eq + 1).trim();
  }
  return headers;
}

/**
 * Names this process for its telemetry and, when telemetry.otlpEndpoint is set, starts exporting its
 * spans (metrics follow through `selfMetricReaders`, read by every Registry created afterwards).
 * Call before creating the metrics. Once per process: later calls (tests run several components in
 * one process) only return a handle that does nothing.
 */
export function startTelemetry(config: Config, serviceName: string): Telemetry {
  const endpoint = config['telemetry.otlpEndpoint'].replace(/\/+$/, '');
  if (exporting || tracing) return { shutdown: () => Promise.resolve() };
  resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName, [ATTR_SERVICE_VERSION]: VERSION });
  if (endpoint === '' || endpoint === 'off') return { shutdown: () => Promise.resolve() };

  const log = createLogger({ component: 'telemetry' });
  // Export failures of our own telemetry must not read as failures of the pipeline: debug only.
  diag.setLogger(
    {
      error: (m, ...a) => log.debug(m, { args: a.map(String) }),
      warn: (m, ...a) => log.debug(m, { args: a.map(String) }),
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    },
    { suppressOverrideMessage: true },
  );
  exporting = {
    endpoint,
    headers: { ...parseHeaders(config['telemetry.otlpHeaders']), [SELF_TELEMETRY_HEADER]: '1' },
    intervalMs: config['telemetry.exportIntervalMs'],
  };
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const provider = new BasicTracerProvider({
    resource,
    sampler: new ParentBasedSampler({
      root: new TraceIdRatioBasedSampler(config['telemetry.traceSamplePercent'] / 100),
    }),
    spanProcessors: [
      // Bounded: at most 2,048 spans wait; beyond that the SDK drops (and counts) them.
      new BatchSpanProcessor(
        new OTLPTraceExporter({
          url: `${endpoint}/v1/traces`,
          headers: exporting.headers,
          timeoutMillis: 5_000,
        }),
        { maxQueueSize: 2048, scheduledDelayMillis: Math.min(exporting.intervalMs, 5_000) },
      ),
    ],
  });
  trace.setGlobalTracerProvider(provider);
  tracing = config['telemetry.traceSamplePercent'] > 0;
  log.info('exporting own telemetry', { endpoint, serviceName });
  return { shutdown: () => provider.shutdown().catch(() => undefined) };
}

/** The resource every meter provider of this process reports with. */
export function selfTelemetryResource(): Resource {
  return resource;
}

/**
 * Gauges report per collection only the label sets observed in it (delta temporality): a partition a
 * writer gave away stops being reported instead of keeping its last lag forever. Everything else
 * keeps the reader's own temporality.
 */
export function onlyObservedGauges(
  type: InstrumentType,
  otherwise: AggregationTemporality,
): AggregationTemporality {
  return type === InstrumentType.OBSERVABLE_GAUGE ? AggregationTemporality.DELTA : otherwise;
}

class MetricExporter extends OTLPMetricExporter {
  override selectAggregationTemporality(type: InstrumentType): AggregationTemporality {
    return onlyObservedGauges(type, super.selectAggregationTemporality(type));
  }
}

/** Extra metric readers (OTLP export) for a new Registry; none unless telemetry export is on. */
export function selfMetricReaders(): MetricReader[] {
  if (!exporting) return [];
  return [
    new PeriodicExportingMetricReader({
      exporter: new MetricExporter({
        url: `${exporting.endpoint}/v1/metrics`,
        headers: exporting.headers,
        timeoutMillis: 5_000,
      }),
      exportIntervalMillis: exporting.intervalMs,
      exportTimeoutMillis: Math.min(exporting.intervalMs, 5_000),
    }),
  ];
}

export const tracer = () => trace.getTracer('tributary', VERSION);

/** Whether spans are made at all (an OTLP endpoint is set and sampling is above 0). */
export function tracingOn(): boolean {
  return tracing;
}
const propagator = new W3CTraceContextPropagator();
const getter: TextMapGetter<(name: string) => string | undefined> = {
  get: (carrier, key) => carrier(key),
  keys: () => [],
};

export interface RequestSpan {
  /** Runs the request's work with this span active, so the produce span becomes its child. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  ok(result: { readonly items: number; readonly records: number }): void;
  fail(error: { readonly code: string; readonly httpStatus: number; readonly grpcStatus: number }): void;
}

const untraced: RequestSpan = { run: (fn) => fn(), ok: () => undefined, fail: () => undefined };
const suppressed: RequestSpan = {
  run: (fn) => context.with(suppressTracing(context.active()), fn),
  ok: () => undefined,
  fail: () => undefined,
};

export interface RequestInfo {
  readonly transport: 'http' | 'grpc';
  readonly signal: string;
  /** HTTP path or gRPC method path. */
  readonly route: string;
  /** Reads a request header / metadata value (lower-case name). */
  readonly header: (name: string) => string | undefined;
}

/**
 * The span of one OTLP request, receive → validate → produce → answer: a SERVER span named as the
 * semantic conventions name HTTP and gRPC server spans, with the produce as a PRODUCER child and the
 * validation as an event. A parent given by `traceparent` is honoured.
 */
export function startRequestSpan(info: RequestInfo): RequestSpan {
  if (!tracing) return untraced;
  if (info.header(SELF_TELEMETRY_HEADER) !== undefined) return suppressed;
  const parent = propagator.extract(ROOT_CONTEXT, info.header, getter);
  const grpc = info.transport === 'grpc';
  const [service = '', method = ''] = info.route.replace(/^\//, '').split('/');
  const attributes: Attributes = grpc
    ? { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': method, 'tributary.signal': info.signal }
    : {
        'http.request.method': 'POST',
        'http.route': info.route,
        'url.path': info.route,
        'tributary.signal': info.signal,
      };
  const span: Span = tracer().startSpan(
    grpc ? `${service}/${method}` : `POST ${info.route}`,
    { kind: SpanKind.SERVER, attributes },
    parent,
  );
  const active = trace.setSpan(parent, span);
  return {
    run: (fn) => context.with(active, fn),
    ok(result) {
      span.setAttributes({
        [grpc ? 'rpc.grpc.status_code' : 'http.response.status_code']: grpc ? 0 : 200,
        'tributary.items': result.items,
        'tributary.records': result.records,
      });
      span.end();
    },
    fail(error) {
      span.setAttributes({
        [grpc ? 'rpc.grpc.status_code' : 'http.response.status_code']: grpc
          ? error.grpcStatus
          : error.httpStatus,
        'error.type': error.code,
      });
      // Server spans: only the server's own failures are errors (4xx are the client's).
      if (error.httpStatus >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: error.code });
      span.end();
    },
  };
}

/** Marks a step of the active request span (e.g. `validated`, with the item count). */
export function spanEvent(name: string, attributes?: Attributes): void {
  if (tracing) trace.getActiveSpan()?.addEvent(name, attributes);
}

/** A PRODUCER span around sending `count` records to `topic` (a child of the active request span). */
export async function traceProduce<T>(topic: string, count: number, fn: () => Promise<T>): Promise<T> {
  if (!tracing) return fn();
  return tracer().startActiveSpan(
    `send ${topic}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'kafka',
        'messaging.operation.type': 'send',
        'messaging.operation.name': 'send',
        'messaging.destination.name': topic,
        'messaging.batch.message_count': count,
      },
    },
    async (span) => {
      try {
        return await fn();
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as { code?: string }).code ?? 'error' });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}
