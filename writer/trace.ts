/**
 * The writer's spans: one CONSUMER span per written batch, from the moment its first record was
 * fetched (fetch → decode) through its inserts (a CLIENT child per table and day) to the done record
 * and the advisory commit (events). Batches made only of tributary's own telemetry get no span, so a
 * writer exporting into its own pipeline never traces the writing of its traces.
 */
import { type Attributes, type Span, SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { errorMessage } from '../core/errors.js';
import { tracer, tracingOn } from '../core/telemetry.js';
import { RECORD_HEADERS } from '../schemas/topics.js';
import type { PartitionBatch } from './batch.js';

export interface BatchTrace {
  /** Runs the batch's write with its span active (the inserts become children). */
  run<T>(fn: () => Promise<T>): Promise<T>;
  event(name: string, attributes?: Attributes): void;
  end(outcome: 'written' | 'not_written' | 'failed', err?: unknown): void;
}

const untraced: BatchTrace = { run: (fn) => fn(), event: () => undefined, end: () => undefined };

function onlySelfTelemetry(batch: PartitionBatch): boolean {
  return batch.records.every((r) => r.headers.get(RECORD_HEADERS.self)?.toString() === '1');
}

export function startBatchTrace(
  batch: PartitionBatch | undefined,
  group: string,
  reason: string,
): BatchTrace {
  if (!tracingOn() || !batch || batch.empty || onlySelfTelemetry(batch)) return untraced;
  const span: Span = tracer().startSpan(`process ${batch.topic}`, {
    kind: SpanKind.CONSUMER,
    startTime: batch.startedAt,
    attributes: {
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.destination.name': batch.topic,
      'messaging.destination.partition.id': String(batch.partition),
      'messaging.consumer.group.name': group,
      'messaging.batch.message_count': batch.records.length,
      'tributary.signal': batch.signal,
    },
  });
  // The span began at the first fetch; the batch is decoded and closed now.
  span.addEvent('decoded', {
    'tributary.rows': batch.rowCount,
    'tributary.flush_reason': reason,
    'tributary.range.start': batch.start,
    'tributary.range.end': batch.end,
  });
  const active = trace.setSpan(context.active(), span);
  return {
    run: (fn) => context.with(active, fn),
    event: (name, attributes) => span.addEvent(name, attributes),
    end(outcome, err) {
      span.setAttribute('tributary.outcome', outcome);
      if (err !== undefined)
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: errorMessage(err),
        });
      span.end();
    },
  };
}

/** A CLIENT span around one INSERT, as a child of the active batch span (none without one). */
export async function traceInsert<T>(
  database: string,
  table: string,
  rows: number,
  fn: () => Promise<T>,
): Promise<T> {
  if (!tracingOn() || !trace.getActiveSpan()?.isRecording()) return fn();
  return tracer().startActiveSpan(
    `INSERT ${table}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'db.system.name': 'clickhouse',
        'db.operation.name': 'INSERT',
        'db.namespace': database,
        'db.collection.name': table,
        'tributary.rows': rows,
      },
    },
    async (span) => {
      try {
        return await fn();
      } catch (err) {
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: errorMessage(err),
        });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

/** Marks a step of the active batch span (e.g. the done record). */
export function batchEvent(name: string, attributes?: Attributes): void {
  if (tracingOn()) trace.getActiveSpan()?.addEvent(name, attributes);
}
