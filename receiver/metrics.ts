/** The receiver's own metrics, declared in one place. Labels: signal, transport, outcome. */
import { Registry } from '../core/metrics.js';

export function createReceiverMetrics() {
  const registry = new Registry().processMetrics();
  return {
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
}

export type ReceiverMetrics = ReturnType<typeof createReceiverMetrics>;
