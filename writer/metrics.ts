/** The writer's own metrics, declared in one place. Labels: signal, table, topic, partition. */
import { Registry } from '../core/metrics.js';

export function createWriterMetrics() {
  const registry = new Registry().processMetrics();
  return {
    registry,
    rows: registry.counter('tributary_writer_rows_total', 'Rows inserted, by table.'),
    bytes: registry.counter(
      'tributary_writer_insert_bytes_total',
      'RowBinary bytes sent to ClickHouse, by table.',
    ),
    records: registry.counter(
      'tributary_writer_records_total',
      'Kafka records written (committed), by signal.',
    ),
    batches: registry.counter(
      'tributary_writer_batches_total',
      'Batches written, by signal and reason (rows, bytes, age, plan, memory, end, shutdown).',
    ),
    batchRows: registry.histogram(
      'tributary_writer_batch_rows',
      'Rows per flushed batch.',
      [100, 1000, 5000, 10000, 20000, 50000, 100000],
    ),
    insertSeconds: registry.histogram('tributary_writer_insert_seconds', 'Duration of one table INSERT.'),
    retries: registry.counter(
      'tributary_writer_retries_total',
      'Retried ClickHouse or Kafka operations, by kind.',
    ),
    deadLetters: registry.counter(
      'tributary_writer_dead_letters_total',
      'Records sent to the DLQ, by signal and reason.',
    ),
    skippedRecords: registry.counter(
      'tributary_writer_skipped_records_total',
      "Records of a shared topic left to another signal's writer (their otelcol.signal header names it), by signal.",
    ),
    clampedRows: registry.counter(
      'tributary_writer_clamped_rows_total',
      'Rows whose time was outside the window around their Kafka record time and was clamped, by signal.',
    ),
    lostRecords: registry.counter(
      'tributary_writer_lost_records_total',
      'Offsets Kafka deleted (retention) before they were written, by topic.',
    ),
    deliveryAlarms: registry.counter(
      'tributary_writer_delivery_alarms_total',
      'Partitions stopped by a delivery problem (a rebuild differing from its plan, DLQ unwritable), by kind.',
    ),
    lag: registry.gauge(
      'tributary_writer_lag_records',
      'High watermark minus the written position, per owned topic partition.',
    ),
  };
}

export type WriterMetrics = ReturnType<typeof createWriterMetrics>;
