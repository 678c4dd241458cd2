/** The receiver's own metrics, declared in one place. Labels: signal, transport, outcome. */
import { type BoundCounter, Registry } from '../core/metrics.js';

/** The counters an accepted request adds to, bound to its signal and transport. */
export interface AcceptedCounters {
  readonly requests: BoundCounter;
  readonly items: BoundCounter;
  readonly bytes: BoundCounter;
  readonly records: BoundCounter;
}

export function createReceiverMetrics() {
  const registry = new Registry().processMetrics();
  const metrics = {
    registry,
    requests: registry.counter(
      'tributary_receiver_requests_total',
      'OTLP requests by signal, transport and outcome (ok or an error code).',
    ),
    items: registry.counter(
      'tributary_receiver_items_total',
      'Spans, data points or log records accepted, by signal and transport.',
    ),
    bytes: registry.counter(
      'tributary_receiver_bytes_total',
      'Uncompressed request bytes accepted, by signal and transport.',
    ),
    records: registry.counter('tributary_receiver_records_total', 'Kafka records produced, by signal.'),
    produceSeconds: registry.histogram(
      'tributary_receiver_produce_seconds',
      'Time from a request being valid to Kafka acknowledging it.',
    ),
    inflightBytes: registry.gauge(
      'tributary_receiver_inflight_bytes',
      'Bytes of requests waiting for Kafka to acknowledge.',
    ),
  };
  return metrics;
}

export type ReceiverMetrics = ReturnType<typeof createReceiverMetrics>;

const boundOf = new WeakMap<ReceiverMetrics, Map<string, AcceptedCounters>>();

/**
 * The counters of an accepted request, bound once per signal and transport (the hot path's; a series
 * appears when it is first counted, as with `inc`).
 */
export function acceptedCounters(
  metrics: ReceiverMetrics,
  signal: string,
  transport: 'http' | 'grpc',
): AcceptedCounters {
  let bound = boundOf.get(metrics);
  if (!bound) boundOf.set(metrics, (bound = new Map<string, AcceptedCounters>()));
  const key = `${signal}\u0000${transport}`;
  let counters = bound.get(key);
  if (!counters) {
    counters = {
      requests: metrics.requests.bind({ signal, transport, outcome: 'ok' }),
      items: metrics.items.bind({ signal, transport }),
      bytes: metrics.bytes.bind({ signal, transport }),
      records: metrics.records.bind({ signal }),
    };
    bound.set(key, counters);
  }
  return counters;
}
