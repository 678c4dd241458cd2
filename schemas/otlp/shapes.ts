/**
 * The shape of every OTLP message as far as the wire walk needs it: for each field number, its
 * name, wire type and what its bytes must be. Field numbers are the OTLP specification's
 * (opentelemetry-proto v1.7.0). Unknown fields are skipped, as protobuf requires.
 */

export type Signal = 'traces' | 'metrics' | 'logs';

export type FieldKind =
  | { readonly t: 'varint' }
  | { readonly t: 'i64' }
  | { readonly t: 'i32' }
  | { readonly t: 'string' }
  | { readonly t: 'bytes' }
  /** bytes of exactly n, or empty */
  | { readonly t: 'id'; readonly n: number }
  /** packed repeated scalar of the given element wire type (also accepted unpacked) */
  | { readonly t: 'packed'; readonly element: 'varint' | 'i64' }
  | { readonly t: 'message'; readonly shape: () => MessageShape; readonly item?: boolean };

export interface FieldShape {
  readonly name: string;
  readonly kind: FieldKind;
}

export type MessageShape = ReadonlyMap<number, FieldShape>;

const varint = { t: 'varint' } as const;
const i64 = { t: 'i64' } as const;
const i32 = { t: 'i32' } as const;
const string = { t: 'string' } as const;
const bytes = { t: 'bytes' } as const;
const id16 = { t: 'id', n: 16 } as const;
const id8 = { t: 'id', n: 8 } as const;
const msg = (shape: () => MessageShape, item = false): FieldKind => ({ t: 'message', shape, item });

function shape(fields: Record<number, [string, FieldKind]>): MessageShape {
  return new Map(Object.entries(fields).map(([n, [name, kind]]) => [Number(n), { name, kind }]));
}

// common
export const AnyValue: MessageShape = shape({
  1: ['string_value', string],
  2: ['bool_value', varint],
  3: ['int_value', varint],
  4: ['double_value', i64],
  5: ['array_value', msg(() => ArrayValue)],
  6: ['kvlist_value', msg(() => KeyValueList)],
  7: ['bytes_value', bytes],
});
export const ArrayValue: MessageShape = shape({ 1: ['values', msg(() => AnyValue)] });
export const KeyValueList: MessageShape = shape({ 1: ['values', msg(() => KeyValue)] });
export const KeyValue: MessageShape = shape({ 1: ['key', string], 2: ['value', msg(() => AnyValue)] });
export const Scope: MessageShape = shape({
  1: ['name', string],
  2: ['version', string],
  3: ['attributes', msg(() => KeyValue)],
  4: ['dropped_attributes_count', varint],
});
const EntityRef: MessageShape = shape({
  1: ['schema_url', string],
  2: ['type', string],
  3: ['id_keys', string],
  4: ['description_keys', string],
});
export const Resource: MessageShape = shape({
  1: ['attributes', msg(() => KeyValue)],
  2: ['dropped_attributes_count', varint],
  3: ['entity_refs', msg(() => EntityRef)],
});

// traces
const Event: MessageShape = shape({
  1: ['time_unix_nano', i64],
  2: ['name', string],
  3: ['attributes', msg(() => KeyValue)],
  4: ['dropped_attributes_count', varint],
});
const Link: MessageShape = shape({
  1: ['trace_id', id16],
  2: ['span_id', id8],
  3: ['trace_state', string],
  4: ['attributes', msg(() => KeyValue)],
  5: ['dropped_attributes_count', varint],
  6: ['flags', i32],
});
const Status: MessageShape = shape({ 2: ['message', string], 3: ['code', varint] });
export const Span: MessageShape = shape({
  1: ['trace_id', id16],
  2: ['span_id', id8],
  3: ['trace_state', string],
  4: ['parent_span_id', id8],
  16: ['flags', i32],
  5: ['name', string],
  6: ['kind', varint],
  7: ['start_time_unix_nano', i64],
  8: ['end_time_unix_nano', i64],
  9: ['attributes', msg(() => KeyValue)],
  10: ['dropped_attributes_count', varint],
  11: ['events', msg(() => Event)],
  12: ['dropped_events_count', varint],
  13: ['links', msg(() => Link)],
  14: ['dropped_links_count', varint],
  15: ['status', msg(() => Status)],
});

// logs
export const LogRecord: MessageShape = shape({
  1: ['time_unix_nano', i64],
  11: ['observed_time_unix_nano', i64],
  2: ['severity_number', varint],
  3: ['severity_text', string],
  5: ['body', msg(() => AnyValue)],
  6: ['attributes', msg(() => KeyValue)],
  7: ['dropped_attributes_count', varint],
  8: ['flags', i32],
  9: ['trace_id', id16],
  10: ['span_id', id8],
  12: ['event_name', string],
});

// metrics
const Exemplar: MessageShape = shape({
  7: ['filtered_attributes', msg(() => KeyValue)],
  2: ['time_unix_nano', i64],
  3: ['as_double', i64],
  6: ['as_int', i64],
  4: ['span_id', id8],
  5: ['trace_id', id16],
});
const NumberDataPoint: MessageShape = shape({
  7: ['attributes', msg(() => KeyValue)],
  2: ['start_time_unix_nano', i64],
  3: ['time_unix_nano', i64],
  4: ['as_double', i64],
  6: ['as_int', i64],
  5: ['exemplars', msg(() => Exemplar)],
  8: ['flags', varint],
});
const HistogramDataPoint: MessageShape = shape({
  9: ['attributes', msg(() => KeyValue)],
  2: ['start_time_unix_nano', i64],
  3: ['time_unix_nano', i64],
  4: ['count', i64],
  5: ['sum', i64],
  6: ['bucket_counts', { t: 'packed', element: 'i64' }],
  7: ['explicit_bounds', { t: 'packed', element: 'i64' }],
  8: ['exemplars', msg(() => Exemplar)],
  10: ['flags', varint],
  11: ['min', i64],
  12: ['max', i64],
});
const Buckets: MessageShape = shape({
  1: ['offset', varint],
  2: ['bucket_counts', { t: 'packed', element: 'varint' }],
});
const ExponentialHistogramDataPoint: MessageShape = shape({
  1: ['attributes', msg(() => KeyValue)],
  2: ['start_time_unix_nano', i64],
  3: ['time_unix_nano', i64],
  4: ['count', i64],
  5: ['sum', i64],
  6: ['scale', varint],
  7: ['zero_count', i64],
  8: ['positive', msg(() => Buckets)],
  9: ['negative', msg(() => Buckets)],
  10: ['flags', varint],
  11: ['exemplars', msg(() => Exemplar)],
  12: ['min', i64],
  13: ['max', i64],
  14: ['zero_threshold', i64],
});
const ValueAtQuantile: MessageShape = shape({ 1: ['quantile', i64], 2: ['value', i64] });
const SummaryDataPoint: MessageShape = shape({
  7: ['attributes', msg(() => KeyValue)],
  2: ['start_time_unix_nano', i64],
  3: ['time_unix_nano', i64],
  4: ['count', i64],
  5: ['sum', i64],
  6: ['quantile_values', msg(() => ValueAtQuantile)],
  8: ['flags', varint],
});
const Gauge: MessageShape = shape({ 1: ['data_points', msg(() => NumberDataPoint, true)] });
const Sum: MessageShape = shape({
  1: ['data_points', msg(() => NumberDataPoint, true)],
  2: ['aggregation_temporality', varint],
  3: ['is_monotonic', varint],
});
const Histogram: MessageShape = shape({
  1: ['data_points', msg(() => HistogramDataPoint, true)],
  2: ['aggregation_temporality', varint],
});
const ExponentialHistogram: MessageShape = shape({
  1: ['data_points', msg(() => ExponentialHistogramDataPoint, true)],
  2: ['aggregation_temporality', varint],
});
const Summary: MessageShape = shape({ 1: ['data_points', msg(() => SummaryDataPoint, true)] });
export const Metric: MessageShape = shape({
  1: ['name', string],
  2: ['description', string],
  3: ['unit', string],
  5: ['gauge', msg(() => Gauge)],
  7: ['sum', msg(() => Sum)],
  9: ['histogram', msg(() => Histogram)],
  10: ['exponential_histogram', msg(() => ExponentialHistogram)],
  11: ['summary', msg(() => Summary)],
  12: ['metadata', msg(() => KeyValue)],
});

function scopeContainer(itemsName: string, item: MessageShape, itemCounts: boolean): MessageShape {
  return shape({
    1: ['scope', msg(() => Scope)],
    2: [itemsName, msg(() => item, itemCounts)],
    3: ['schema_url', string],
  });
}
function resourceContainer(scopesName: string, scopeShape: MessageShape): MessageShape {
  return shape({
    1: ['resource', msg(() => Resource)],
    2: [scopesName, msg(() => scopeShape)],
    3: ['schema_url', string],
  });
}

const ScopeSpans = scopeContainer('spans', Span, true);
const ScopeLogs = scopeContainer('log_records', LogRecord, true);
// For metrics the counted items are the data points inside each metric.
const ScopeMetrics = scopeContainer('metrics', Metric, false);

export const requestShapes: Record<Signal, MessageShape> = {
  traces: shape({ 1: ['resource_spans', msg(() => resourceContainer('scope_spans', ScopeSpans))] }),
  metrics: shape({ 1: ['resource_metrics', msg(() => resourceContainer('scope_metrics', ScopeMetrics))] }),
  logs: shape({ 1: ['resource_logs', msg(() => resourceContainer('scope_logs', ScopeLogs))] }),
};
