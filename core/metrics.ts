/**
 * A small Prometheus registry (counters, gauges, histograms with labels) and its /metrics endpoint.
 * Each process declares its own metrics in one place (receiver/metrics.ts, writer/metrics.ts);
 * labels must stay low-cardinality (signal, transport, outcome, table, partition).
 */
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';

type Labels = Readonly<Record<string, string | number>>;

function labelKey(labels: Labels | undefined): string {
  if (!labels) return '';
  const keys = Object.keys(labels).sort();
  return keys
    .map(
      (k) => `${k}="${String(labels[k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`,
    )
    .join(',');
}

interface Metric {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  render(): string[];
}

export class Counter implements Metric {
  readonly type = 'counter';
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels?: Labels, by = 1): void {
    const key = labelKey(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }
  get(labels?: Labels): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  render(): string[] {
    return [...this.values].map(([k, v]) => `${this.name}${k ? `{${k}}` : ''} ${v}`);
  }
}

export class Gauge implements Metric {
  readonly type = 'gauge';
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  set(value: number, labels?: Labels): void {
    this.values.set(labelKey(labels), value);
  }
  add(by: number, labels?: Labels): void {
    const key = labelKey(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }
  /** Forget a label set (e.g. a partition this writer no longer owns), so no stale value is reported. */
  remove(labels: Labels): void {
    this.values.delete(labelKey(labels));
  }
  get(labels?: Labels): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  render(): string[] {
    return [...this.values].map(([k, v]) => `${this.name}${k ? `{${k}}` : ''} ${v}`);
  }
}

export class Histogram implements Metric {
  readonly type = 'histogram';
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {}
  observe(value: number, labels?: Labels): void {
    const key = labelKey(labels);
    let s = this.series.get(key);
    if (!s) {
      s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }
  render(): string[] {
    const lines: string[] = [];
    for (const [k, s] of this.series) {
      const sep = k ? ',' : '';
      this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket{${k}${sep}le="${b}"} ${s.counts[i]}`));
      lines.push(`${this.name}_bucket{${k}${sep}le="+Inf"} ${s.count}`);
      lines.push(`${this.name}_sum${k ? `{${k}}` : ''} ${s.sum}`);
      lines.push(`${this.name}_count${k ? `{${k}}` : ''} ${s.count}`);
    }
    return lines;
  }
}

export const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class Registry {
  private readonly metrics: Metric[] = [];
  private readonly beforeRender: (() => void)[] = [];
  private resetDelay: () => void = () => undefined;

  /** Start-up work (module loading, connecting, compiling routes) is not a stall of the running service. */
  markReady(): void {
    this.resetDelay();
  }
  counter(name: string, help: string): Counter {
    return this.add(new Counter(name, help));
  }
  gauge(name: string, help: string): Gauge {
    return this.add(new Gauge(name, help));
  }
  histogram(name: string, help: string, buckets: readonly number[] = SECONDS_BUCKETS): Histogram {
    return this.add(new Histogram(name, help, buckets));
  }
  /**
   * Process health every service exports: resident memory and event-loop delay (p99 and max since
   * ready, sampled every 10 ms) — a stall there delays every request and heartbeat in the process.
   */
  processMetrics(): this {
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    this.resetDelay = () => delay.reset();
    const rss = this.gauge('tributary_process_resident_memory_bytes', 'Resident set size of the process.');
    const p99 = this.gauge(
      'tributary_process_event_loop_delay_p99_seconds',
      'p99 of the event-loop delay since the process became ready.',
    );
    const max = this.gauge(
      'tributary_process_event_loop_delay_max_seconds',
      'Largest event-loop delay since the process became ready.',
    );
    this.beforeRender.push(() => {
      rss.set(process.memoryUsage.rss());
      p99.set(delay.percentile(99) / 1e9);
      max.set(delay.max / 1e9);
    });
    return this;
  }
  private add<M extends Metric>(metric: M): M {
    this.metrics.push(metric);
    return metric;
  }
  /** Prometheus text exposition format 0.0.4. */
  render(): string {
    for (const update of this.beforeRender) update();
    const lines: string[] = [];
    for (const m of this.metrics) {
      lines.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`, ...m.render());
    }
    return lines.join('\n') + '\n';
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
    if (req.url === '/metrics') {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(registry.render());
    } else {
      res.writeHead(404).end();
    }
  });
  return listen(server, port, host);
}
