/**
 * Which columns each signal's rows have and where their values come from: item columns (field id and
 * how the transcoder writes them) and scope-constant columns (a value of the resource or scope). The
 * keys together are exactly the columns the decoder's rows carry (PROVIDED_COLUMNS is derived from
 * them, and a test checks it against decoded rows).
 */
import { TABLES } from '../../schemas/ddl.js';
import type { FieldSpec, SignalSpec } from './plan.js';
import type { Kind } from './points.js';

export const TRACES_SPEC: SignalSpec = {
  items: {
    Timestamp: { id: 1, kind: 'time' },
    TraceId: { id: 2, kind: 'string' },
    SpanId: { id: 3, kind: 'string' },
    ParentSpanId: { id: 4, kind: 'string' },
    TraceState: { id: 5, kind: 'string' },
    SpanName: { id: 6, kind: 'string' },
    SpanKind: { id: 7, kind: 'string' },
    SpanAttributes: { id: 8, kind: 'map' },
    Duration: { id: 9, kind: 'u64' },
    StatusCode: { id: 10, kind: 'string' },
    StatusMessage: { id: 11, kind: 'string' },
    'Events.Timestamp': { id: 12, kind: 'timeArray' },
    'Events.Name': { id: 13, kind: 'stringArray' },
    'Events.Attributes': { id: 14, kind: 'mapArray' },
    'Links.TraceId': { id: 15, kind: 'stringArray' },
    'Links.SpanId': { id: 16, kind: 'stringArray' },
    'Links.TraceState': { id: 17, kind: 'stringArray' },
    'Links.Attributes': { id: 18, kind: 'mapArray' },
    SpanAttributesKeys: { id: 8, kind: 'keys' },
  },
  scoped: {
    ServiceName: (r) => r.serviceName,
    ResourceAttributes: (r) => r.attributes,
    ResourceAttributesKeys: (r) => r.attributes,
    ScopeName: (_r, s) => s.name,
    ScopeVersion: (_r, s) => s.version,
  },
};

export const LOGS_SPEC: SignalSpec = {
  items: {
    Timestamp: { id: 1, kind: 'time' },
    TraceId: { id: 2, kind: 'string' },
    SpanId: { id: 3, kind: 'string' },
    TraceFlags: { id: 4, kind: 'u8' },
    SeverityText: { id: 5, kind: 'string' },
    SeverityNumber: { id: 6, kind: 'u8' },
    Body: { id: 7, kind: 'string' },
    LogAttributes: { id: 8, kind: 'map' },
    EventName: { id: 9, kind: 'string' },
    LogAttributesKeys: { id: 8, kind: 'keys' },
  },
  scoped: {
    ServiceName: (r) => r.serviceName,
    ResourceSchemaUrl: (r) => r.schemaUrl,
    ResourceAttributes: (r) => r.attributes,
    ResourceAttributesKeys: (r) => r.attributes,
    ScopeSchemaUrl: (_r, s) => s.schemaUrl,
    ScopeName: (_r, s) => s.name,
    ScopeVersion: (_r, s) => s.version,
    ScopeAttributes: (_r, s) => s.attributes,
    ScopeAttributesKeys: (_r, s) => s.attributes,
  },
};

export const TABLE_BY_KIND: Record<Kind, string> = {
  gauge: TABLES.gauge,
  sum: TABLES.sum,
  histogram: TABLES.histogram,
  exponential_histogram: TABLES.exponentialHistogram,
  summary: TABLES.summary,
};

const f = (id: number, kind: FieldSpec['kind']): FieldSpec => ({ id, kind });
const COMMON: Record<string, FieldSpec> = {
  MetricName: f(1, 'string'),
  MetricDescription: f(2, 'string'),
  MetricUnit: f(3, 'string'),
  Attributes: f(4, 'map'),
  StartTimeUnix: f(5, 'time'),
  TimeUnix: f(6, 'time'),
  Flags: f(7, 'u32'),
};
const EXEMPLARS: Record<string, FieldSpec> = {
  'Exemplars.FilteredAttributes': f(20, 'mapArray'),
  'Exemplars.TimeUnix': f(21, 'timeArray'),
  'Exemplars.Value': f(22, 'f64Array'),
  'Exemplars.SpanId': f(23, 'stringArray'),
  'Exemplars.TraceId': f(24, 'stringArray'),
};
const HISTOGRAM_COMMON: Record<string, FieldSpec> = {
  Count: f(10, 'u64'),
  Sum: f(11, 'f64'),
  Min: f(12, 'f64'),
  Max: f(13, 'f64'),
  AggregationTemporality: f(9, 'i32'),
};
const scoped: SignalSpec['scoped'] = {
  ResourceAttributes: (r) => r.attributes,
  ResourceSchemaUrl: (r) => r.schemaUrl,
  ScopeName: (_r, s) => s.name,
  ScopeVersion: (_r, s) => s.version,
  ScopeAttributes: (_r, s) => s.attributes,
  ScopeDroppedAttrCount: (_r, s) => s.droppedAttributes,
  ScopeSchemaUrl: (_r, s) => s.schemaUrl,
  ServiceName: (r) => r.serviceName,
};

/** Per kind: exactly the columns decode/metrics.ts gives that kind's rows. */
export const METRICS_SPECS: Record<Kind, SignalSpec> = {
  gauge: { scoped, items: { ...COMMON, Value: f(8, 'f64'), ...EXEMPLARS } },
  sum: {
    scoped,
    items: {
      ...COMMON,
      Value: f(8, 'f64'),
      ...EXEMPLARS,
      AggregationTemporality: f(9, 'i32'),
      IsMonotonic: f(14, 'u8'),
    },
  },
  histogram: {
    scoped,
    items: {
      ...COMMON,
      ...HISTOGRAM_COMMON,
      BucketCounts: f(15, 'u64Array'),
      ExplicitBounds: f(16, 'f64Array'),
      ...EXEMPLARS,
    },
  },
  exponential_histogram: {
    scoped,
    items: {
      ...COMMON,
      ...HISTOGRAM_COMMON,
      Scale: f(17, 'i32'),
      ZeroCount: f(18, 'u64'),
      PositiveOffset: f(30, 'i32'),
      PositiveBucketCounts: f(31, 'u64Array'),
      NegativeOffset: f(32, 'i32'),
      NegativeBucketCounts: f(33, 'u64Array'),
      ...EXEMPLARS,
    },
  },
  summary: {
    scoped,
    items: {
      ...COMMON,
      Count: f(10, 'u64'),
      Sum: f(11, 'f64'),
      'ValueAtQuantiles.Quantile': f(40, 'f64Array'),
      'ValueAtQuantiles.Value': f(41, 'f64Array'),
    },
  },
};

/** The table each spec writes. */
export const SPEC_BY_TABLE: Readonly<Record<string, SignalSpec>> = {
  [TABLES.traces]: TRACES_SPEC,
  [TABLES.logs]: LOGS_SPEC,
  [TABLES.sessions]: LOGS_SPEC,
  ...Object.fromEntries(
    Object.entries(TABLE_BY_KIND).map(([kind, table]) => [table, METRICS_SPECS[kind as Kind]]),
  ),
};
