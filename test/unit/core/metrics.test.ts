/**
 * Counters (core/metrics.ts): what `inc` and a bound counter add is what /metrics shows, one series per
 * label set whatever order the labels were written in, and a bound counter adds to the same series as
 * `inc` with those labels. The receiver's hot path counts through bound counters (receiver/metrics.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry, serveMetrics } from '../../../core/metrics.js';
import { acceptedCounters, createReceiverMetrics } from '../../../receiver/metrics.js';

async function scrape(registry: Registry): Promise<string> {
  const server = await serveMetrics(registry, 0, '127.0.0.1');
  try {
    return await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
  } finally {
    await server.close();
  }
}

test('inc and bound counters add to one series per label set, as /metrics shows', async () => {
  const registry = new Registry();
  const counter = registry.counter('tributary_receiver_things_total', 'Things.');
  counter.inc({ signal: 'logs', transport: 'http' });
  const bound = counter.bind({ transport: 'http', signal: 'logs' });
  bound.inc();
  bound.inc(40);
  counter.inc({ transport: 'http', signal: 'logs' }, 2);
  counter.inc({ signal: 'traces', transport: 'grpc' }, 5);
  assert.equal(counter.get({ signal: 'logs', transport: 'http' }), 44);
  assert.equal(counter.get({ transport: 'grpc', signal: 'traces' }), 5);
  const text = await scrape(registry);
  assert.match(text, /^# TYPE tributary_receiver_things_total counter$/m);
  assert.match(text, /^tributary_receiver_things_total\{signal="logs",transport="http"\} 44$/m);
  assert.match(text, /^tributary_receiver_things_total\{signal="traces",transport="grpc"\} 5$/m);
  // Counted on after a scrape: the next scrape shows the running total.
  bound.inc(6);
  assert.match(
    await scrape(registry),
    /^tributary_receiver_things_total\{signal="logs",transport="http"\} 50$/m,
  );
  await registry.shutdown();
});

test("the receiver's accepted-request counters are the ones inc reads, bound once per signal", async () => {
  const metrics = createReceiverMetrics();
  const http = acceptedCounters(metrics, 'metrics', 'http');
  assert.equal(acceptedCounters(metrics, 'metrics', 'http'), http, 'bound once');
  http.requests.inc();
  http.items.inc(500);
  http.bytes.inc(60_498);
  http.records.inc(1);
  acceptedCounters(metrics, 'metrics', 'grpc').items.inc(7);
  assert.equal(metrics.requests.get({ signal: 'metrics', transport: 'http', outcome: 'ok' }), 1);
  assert.equal(metrics.items.get({ signal: 'metrics', transport: 'http' }), 500);
  assert.equal(metrics.items.get({ signal: 'metrics', transport: 'grpc' }), 7);
  assert.equal(metrics.bytes.get({ signal: 'metrics', transport: 'http' }), 60_498);
  assert.equal(metrics.records.get({ signal: 'metrics' }), 1);
  const text = await scrape(metrics.registry);
  assert.match(text, /^tributary_receiver_items_total\{signal="metrics",transport="http"\} 500$/m);
  assert.match(
    text,
    /^tributary_receiver_requests_total\{outcome="ok",signal="metrics",transport="http"\} 1$/m,
  );
  await metrics.registry.shutdown();
});
