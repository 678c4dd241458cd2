/**
 * The alert rules and the Grafana dashboard under deploy/observability refer only to metrics the
 * receiver and writer really expose (names taken from a live /metrics page of both registries), and
 * to outcomes that exist in the error catalog: a renamed metric cannot silently blind an alert.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { errorCatalog } from '../../core/errors.js';
import { type Counter, type Gauge, type Histogram, type Registry, serveMetrics } from '../../core/metrics.js';
import { fromRoot } from '../../core/paths.js';
import { createReceiverMetrics } from '../../receiver/metrics.js';
import { createWriterMetrics } from '../../writer/metrics.js';

type Instrument = Counter | Gauge | Histogram;

/** Every series name a registry exposes, after one sample on each of its instruments. */
async function exposed(metrics: Record<string, Registry | Instrument>): Promise<Set<string>> {
  let registry: Registry | undefined;
  for (const value of Object.values(metrics)) {
    if ('serve' in value) registry = value;
    else if ('observe' in value) value.observe(0.01, { table: 't', signal: 'logs' });
    else if ('set' in value) value.set(1, { topic: 't', partition: 0 });
    else value.inc({ signal: 'logs' });
  }
  assert.ok(registry);
  const server = await serveMetrics(registry, 0, '127.0.0.1');
  try {
    const text = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
    const names = new Set<string>();
    for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      names.add(name!);
      if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name! + s);
    }
    return names;
  } finally {
    await server.close();
    await registry.shutdown();
  }
}

/** Metric names in a PromQL expression: identifiers of our families, not functions or labels. */
const metricNames = (expr: string): string[] =>
  [...expr.matchAll(/\b((?:tributary|nodejs|process)_[a-z0-9_]+)\b/g)].map((m) => m[1]!);
const outcomes = (expr: string): string[] =>
  [...expr.matchAll(/outcome=~?"([^"]+)"/g)].flatMap((m) => m[1]!.split('|'));

interface Rules {
  groups: { name: string; rules: { alert: string; expr: string }[] }[];
}
interface Dashboard {
  panels: { title: string; targets: { expr: string }[] }[];
}

test('alert rules and dashboard use only exposed metrics and catalogued outcomes', async () => {
  const names = new Set([
    ...(await exposed(createReceiverMetrics())),
    ...(await exposed(createWriterMetrics())),
  ]);
  const rules = parse(
    readFileSync(fromRoot('deploy', 'observability', 'prometheus-rules.yaml'), 'utf8'),
  ) as Rules;
  const dashboard = JSON.parse(
    readFileSync(fromRoot('deploy', 'observability', 'grafana-dashboard.json'), 'utf8'),
  ) as Dashboard;
  const exprs = [
    ...rules.groups.flatMap((g) => g.rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr }))),
    ...dashboard.panels.flatMap((p) => p.targets.map((t) => ({ where: `panel "${p.title}"`, expr: t.expr }))),
  ];
  assert.ok(exprs.length > 10);
  for (const { where, expr } of exprs) {
    const used = metricNames(expr);
    assert.ok(used.length > 0, `${where} uses a metric`);
    for (const name of used) assert.ok(names.has(name), `${where}: ${name} is not exposed`);
    for (const outcome of outcomes(expr))
      assert.ok(outcome in errorCatalog, `${where}: no outcome ${outcome}`);
  }
  // What the issue asks to watch is covered: lag, DLQ, 429/503 and insert errors.
  const all = exprs.map((e) => e.expr).join('\n');
  for (const needed of [
    'tributary_writer_lag_records',
    'tributary_writer_dead_letters_total',
    'tributary_writer_retries_total',
    'OVERLOADED|RATE_LIMITED',
    'KAFKA_UNAVAILABLE',
  ])
    assert.ok(all.includes(needed), `something watches ${needed}`);
  // The dashboard shows the writer's delivery counters too, not only the alerts.
  const panels = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n');
  for (const counter of [
    'tributary_writer_clamped_rows_total',
    'tributary_writer_lost_records_total',
    'tributary_writer_delivery_alarms_total',
    'tributary_writer_dead_letters_total',
  ])
    assert.ok(panels.includes(counter), `a dashboard panel shows ${counter}`);
});
