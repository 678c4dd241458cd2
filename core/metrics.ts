/**
 * The service's own metrics through the OpenTelemetry metrics SDK, exposed for Prometheus on the
 * component's metrics port (and exported over OTLP when telemetry export is on: core/telemetry.ts).
 * Each process declares its metrics in one place (receiver/metrics.ts, writer/metrics.ts) by their
 * Prometheus names; labels must stay low-cardinality (signal, transport, outcome, table, partition).
 *
 * OTel names are the Prometheus names as namespaces (`tributary.receiver.requests` is exposed as
 * `tributary_receiver_requests_total`); process metrics use the semantic-convention names.
 */
import { type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Attributes, Histogram as OtelHistogram, Meter } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { AggregationTemporality, InstrumentType, MeterProvider } from '@opentelemetry/sdk-metrics';
import { onlyObservedGauges, selfMetricReaders, selfTelemetryResource } from './telemetry.js';

// Semantic-convention metric names (still "incubating" upstream). Written out: the incubating entry
// point of @opentelemetry/semantic-conventions puts ~3.5 MB on the live heap of every process for these
// three strings, and every full GC walks the live heap (receiver profile, docs/performance.md).
const METRIC_PROCESS_MEMORY_USAGE = 'process.memory.usage';
const METRIC_NODEJS_EVENTLOOP_DELAY_P99 = 'nodejs.eventloop.delay.p99';
const METRIC_NODEJS_EVENTLOOP_DELAY_MAX = 'nodejs.eventloop.delay.max';

type Labels = Readonly<Record<string, string | number>>;

/** One attribute order whatever order the call site wrote, so series and their text are stable. */
function attributes(labels: Labels | undefined): Attributes {
  if (!labels) return {};
  const out: Attributes = {};
  for (const key of Object.keys(labels).sort()) out[key] = labels[key];
  return out;
}
const keyOf = (attrs: Attributes): string => JSON.stringify(attrs);

/** `tributary_writer_rows_total` → `tributary.writer.rows` (the exporter turns it back). */
function otelName(prometheusName: string, counter: boolean): string {
  const base = counter ? prometheusName.replace(/_total$/, '') : prometheusName;
  return base.replace(/^tributary_(receiver|writer)_/, 'tributary.$1.');
}
function unitOf(name: string): string | undefined {
  if (/_seconds$/.test(name)) return 's';
  if (/_bytes(_total)?$/.test(name)) return 'By';
  return undefined;
}

/** A counter's value for one label set; `inc` on a bound counter adds to it directly. */
interface Series {
  readonly attrs: Attributes;
  value: number;
}

/** A counter bound to one label set, for hot paths: no attribute sorting or hashing per call. */
export interface BoundCounter {
  inc(by?: number): void;
}

/**
 * Counted here and reported to OpenTelemetry as an observable counter (the SDK reads `values` when it
 * collects): an `add` on an OTel counter sorts and hashes its attributes on every call, which the
 * receiver paid five times per request (receiver profile, docs/performance.md).
 */
export class Counter {
  /** What was added per label set: tests and status read these too. */
  private readonly values = new Map<string, Series>();
  constructor(
    readonly name: string,
    meter: Meter,
    help: string,
  ) {
    const unit = unitOf(name);
    meter
      .createObservableCounter(otelName(name, true), { description: help, ...(unit ? { unit } : {}) })
      .addCallback((result) => {
        for (const { attrs, value } of this.values.values()) result.observe(value, attrs);
      });
  }
  private series(labels: Labels | undefined): Series {
    const attrs = attributes(labels);
    const key = keyOf(attrs);
    let series = this.values.get(key);
    if (!series) {
      series = { attrs, value: 0 };
      this.values.set(key, series);
    }
    return series;
  }
  inc(labels?: Labels, by = 1): void {
    this.series(labels).value += by;
  }
  /** The counter for one label set; the series exists (at 0) from now on. */
  bind(labels?: Labels): BoundCounter {
    const series = this.series(labels);
    return {
      inc(by = 1): void {
        series.value += by;
      },
    };
  }
  get(labels?: Labels): number {
    return this.values.get(keyOf(attributes(labels)))?.value ?? 0;
  }
}

export class Gauge {
  private readonly values = new Map<string, { attrs: Attributes; value: number }>();
  constructor(
    readonly name: string,
    meter: Meter,
    help: string,
  ) {
    const unit = unitOf(name);
    meter
      .createObservableGauge(otelName(name, false), { description: help, ...(unit ? { unit } : {}) })
      .addCallback((result) => {
        for (const { attrs, value } of this.values.values()) result.observe(value, attrs);
      });
  }
  set(value: number, labels?: Labels): void {
    const attrs = attributes(labels);
    this.values.set(keyOf(attrs), { attrs, value });
  }
  add(by: number, labels?: Labels): void {
    const attrs = attributes(labels);
    const key = keyOf(attrs);
    this.values.set(key, { attrs, value: (this.values.get(key)?.value ?? 0) + by });
  }
  /** Forget a label set (e.g. a partition this writer no longer owns), so no stale value is reported. */
  remove(labels: Labels): void {
    this.values.delete(keyOf(attributes(labels)));
  }
  get(labels?: Labels): number {
    return this.values.get(keyOf(attributes(labels)))?.value ?? 0;
  }
}

export class Histogram {
  constructor(
    readonly name: string,
    private readonly instrument: OtelHistogram,
  ) {}
  observe(value: number, labels?: Labels): void {
    this.instrument.record(value, attributes(labels));
  }
}

export const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Prometheus exposition in which a gauge shows only the label sets it still has (see onlyObservedGauges). */
class PrometheusReader extends PrometheusExporter {
  override selectAggregationTemporality(type: InstrumentType): AggregationTemporality {
    return onlyObservedGauges(type, AggregationTemporality.CUMULATIVE);
  }
}

export class Registry {
  private readonly prometheus = new PrometheusReader({ preventServerStart: true, withoutScopeInfo: true });
  private readonly provider = new MeterProvider({
    resource: selfTelemetryResource(),
    readers: [this.prometheus, ...selfMetricReaders()],
  });
  private readonly meter = this.provider.getMeter('tributary');
  private resetDelay: () => void = () => undefined;

  /** Start-up work (module loading, connecting, compiling routes) is not a stall of the running service. */
  markReady(): void {
    this.resetDelay();
  }
  counter(name: string, help: string): Counter {
    return new Counter(name, this.meter, help);
  }
  gauge(name: string, help: string): Gauge {
    return new Gauge(name, this.meter, help);
  }
  histogram(name: string, help: string, buckets: readonly number[] = SECONDS_BUCKETS): Histogram {
    const unit = unitOf(name);
    return new Histogram(
      name,
      this.meter.createHistogram(otelName(name, false), {
        description: help,
        ...(unit ? { unit } : {}),
        advice: { explicitBucketBoundaries: [...buckets] },
      }),
    );
  }
  /**
   * Process health every service exports, under the semantic-convention names: resident memory
   * (`process.memory.usage`) and event-loop delay p99 and max since ready (`nodejs.eventloop.delay.*`,
   * sampled every 10 ms) — a stall there delays every request and heartbeat in the process.
   */
  processMetrics(): this {
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    this.resetDelay = () => delay.reset();
    this.meter
      .createObservableUpDownCounter(METRIC_PROCESS_MEMORY_USAGE, {
        description: 'Resident set size of the process.',
        unit: 'By',
      })
      .addCallback((result) => result.observe(process.memoryUsage.rss()));
    this.meter
      .createObservableGauge(METRIC_NODEJS_EVENTLOOP_DELAY_P99, {
        description: 'p99 of the event-loop delay since the process became ready.',
        unit: 's',
      })
      .addCallback((result) => result.observe(delay.percentile(99) / 1e9));
    this.meter
      .createObservableGauge(METRIC_NODEJS_EVENTLOOP_DELAY_MAX, {
        description: 'Largest event-loop delay since the process became ready.',
        unit: 's',
      })
      .addCallback((result) => result.observe(delay.max / 1e9));
    return this;
  }
  /** Prometheus text exposition of the current values. */
  serve(res: ServerResponse): void {
    this.prometheus.getMetricsRequestHandler(undefined as never, res);
  }
  /** Exports what is pending (OTLP) and stops the readers. */
  shutdown(): Promise<void> {
    return this.provider.shutdown().catch(() => undefined);
  }
}

export interface SmallServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function listen(server: Server, port: number, host: string): Promise<SmallServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Serves GET /metrics. */
export function serveMetrics(registry: Registry, port: number, host: string): Promise<SmallServer> {
  const server = createServer((req, res) => {
    if (req.url === '/metrics') registry.serve(res);
    else res.writeHead(404).end();
  });
  return listen(server, port, host);
}
