/** ExportMetricsServiceRequest bytes → one row per data point in the otel_metrics_* table of its type. */
import { TABLES } from '../../schemas/ddl.js';
import { WIRE_I64, WIRE_LEN, WIRE_VARINT, WireReader, toHex } from '../../schemas/otlp/wire.js';
import type { Attributes } from './anyvalue.js';
import { readString } from './anyvalue.js';
import {
  type ResourceInfo,
  type Row,
  type RowsByTable,
  type ScopeInfo,
  addRow,
  forEachItem,
  readAttributes,
} from './common.js';

interface Exemplars {
  'Exemplars.FilteredAttributes': Attributes[];
  'Exemplars.TimeUnix': bigint[];
  'Exemplars.Value': number[];
  'Exemplars.SpanId': string[];
  'Exemplars.TraceId': string[];
}

function emptyExemplars(): Exemplars {
  return {
    'Exemplars.FilteredAttributes': [],
    'Exemplars.TimeUnix': [],
    'Exemplars.Value': [],
    'Exemplars.SpanId': [],
    'Exemplars.TraceId': [],
  };
}

function pushExemplar(bytes: Uint8Array, start: number, end: number, into: Exemplars): void {
  const reader = new WireReader(bytes, start, end);
  let time = 0n;
  let value = 0;
  let spanId = '';
  let traceId = '';
  while (!reader.done) {
    const t = reader.tag();
    if (t.field === 2 && t.wire === WIRE_I64) time = reader.fixed64();
    else if (t.field === 3 && t.wire === WIRE_I64) value = reader.double();
    else if (t.field === 6 && t.wire === WIRE_I64) value = Number(reader.sfixed64());
    else if ((t.field === 4 || t.field === 5) && t.wire === WIRE_LEN) {
      const id = reader.lengthDelimited();
      // The exporter writes exemplar ids with plain hex encoding (all-zero ids stay zeros).
      if (t.field === 4) spanId = toHex(bytes, id.start, id.end);
      else traceId = toHex(bytes, id.start, id.end);
    } else reader.skip(t.wire);
  }
  into['Exemplars.FilteredAttributes'].push(readAttributes(bytes, start, end, 7));
  into['Exemplars.TimeUnix'].push(time);
  into['Exemplars.Value'].push(value);
  into['Exemplars.SpanId'].push(spanId);
  into['Exemplars.TraceId'].push(traceId);
}

/** Repeated fixed64/double (packed or not) or uint64 varints (packed or not). */
function pushPacked(
  reader: WireReader,
  wire: number,
  element: 'fixed64' | 'double' | 'varint',
  into: (number | bigint)[],
): void {
  const one = (r: WireReader): void => {
    if (element === 'fixed64') into.push(r.fixed64());
    else if (element === 'double') into.push(r.double());
    else into.push(r.varintBig());
  };
  if (wire === WIRE_LEN) {
    const { start, end } = reader.lengthDelimited();
    const packed = new WireReader(reader.bytes, start, end);
    while (!packed.done) one(packed);
  } else one(reader);
}

interface Common {
  readonly resource: ResourceInfo;
  readonly scope: ScopeInfo;
  readonly name: string;
  readonly description: string;
  readonly unit: string;
}

function commonColumns(c: Common, attributes: Attributes, start: bigint, time: bigint): Row {
  return {
    ResourceAttributes: c.resource.attributes,
    ResourceSchemaUrl: c.resource.schemaUrl,
    ScopeName: c.scope.name,
    ScopeVersion: c.scope.version,
    ScopeAttributes: c.scope.attributes,
    ScopeDroppedAttrCount: c.scope.droppedAttributes,
    ScopeSchemaUrl: c.scope.schemaUrl,
    ServiceName: c.resource.serviceName,
    MetricName: c.name,
    MetricDescription: c.description,
    MetricUnit: c.unit,
    Attributes: attributes,
    StartTimeUnix: start,
    TimeUnix: time,
  };
}

type Kind = 'gauge' | 'sum' | 'histogram' | 'exponential_histogram' | 'summary';

function decodePoint(
  kind: Kind,
  bytes: Uint8Array,
  start: number,
  end: number,
  c: Common,
  temporality: number,
  monotonic: boolean,
): Row {
  const reader = new WireReader(bytes, start, end);
  const attributeField = kind === 'histogram' ? 9 : kind === 'exponential_histogram' ? 1 : 7;
  const exemplarField = kind === 'histogram' ? 8 : kind === 'exponential_histogram' ? 11 : 5;
  let startTime = 0n;
  let time = 0n;
  let value = 0;
  let count = 0n;
  let sum = 0;
  let flags = 0;
  let min = 0;
  let max = 0;
  let scale = 0;
  let zeroCount = 0n;
  const bucketCounts: (number | bigint)[] = [];
  const bounds: (number | bigint)[] = [];
  const buckets = {
    positive: { offset: 0, counts: [] as (number | bigint)[] },
    negative: { offset: 0, counts: [] as (number | bigint)[] },
  };
  const quantiles: number[] = [];
  const quantileValues: number[] = [];
  const exemplars = emptyExemplars();
  while (!reader.done) {
    const t = reader.tag();
    const f = t.field;
    if (f === 2 && t.wire === WIRE_I64) startTime = reader.fixed64();
    else if (f === 3 && t.wire === WIRE_I64) time = reader.fixed64();
    else if (f === attributeField && t.wire === WIRE_LEN)
      reader.skip(t.wire); // read below, sorted
    else if (f === exemplarField && t.wire === WIRE_LEN) {
      const e = reader.lengthDelimited();
      pushExemplar(bytes, e.start, e.end, exemplars);
    } else if ((kind === 'gauge' || kind === 'sum') && f === 4 && t.wire === WIRE_I64)
      value = reader.double();
    else if ((kind === 'gauge' || kind === 'sum') && f === 6 && t.wire === WIRE_I64)
      value = Number(reader.sfixed64());
    else if ((kind === 'gauge' || kind === 'sum' || kind === 'summary') && f === 8 && t.wire === WIRE_VARINT)
      flags = reader.varint();
    else if ((kind === 'histogram' || kind === 'exponential_histogram') && f === 10 && t.wire === WIRE_VARINT)
      flags = reader.varint();
    else if (kind !== 'gauge' && kind !== 'sum' && f === 4 && t.wire === WIRE_I64) count = reader.fixed64();
    else if (kind !== 'gauge' && kind !== 'sum' && f === 5 && t.wire === WIRE_I64) sum = reader.double();
    else if (kind === 'histogram' && f === 6) pushPacked(reader, t.wire, 'fixed64', bucketCounts);
    else if (kind === 'histogram' && f === 7) pushPacked(reader, t.wire, 'double', bounds);
    else if (kind === 'histogram' && (f === 11 || f === 12) && t.wire === WIRE_I64) {
      if (f === 11) min = reader.double();
      else max = reader.double();
    } else if (kind === 'exponential_histogram' && (f === 12 || f === 13) && t.wire === WIRE_I64) {
      if (f === 12) min = reader.double();
      else max = reader.double();
    } else if (kind === 'exponential_histogram' && f === 6 && t.wire === WIRE_VARINT) scale = reader.sint();
    else if (kind === 'exponential_histogram' && f === 7 && t.wire === WIRE_I64) zeroCount = reader.fixed64();
    else if (kind === 'exponential_histogram' && (f === 8 || f === 9) && t.wire === WIRE_LEN) {
      const b = reader.lengthDelimited();
      const target = f === 8 ? buckets.positive : buckets.negative;
      const br = new WireReader(bytes, b.start, b.end);
      while (!br.done) {
        const bt = br.tag();
        if (bt.field === 1 && bt.wire === WIRE_VARINT) target.offset = br.sint();
        else if (bt.field === 2) pushPacked(br, bt.wire, 'varint', target.counts);
        else br.skip(bt.wire);
      }
    } else if (kind === 'summary' && f === 6 && t.wire === WIRE_LEN) {
      const q = reader.lengthDelimited();
      const qr = new WireReader(bytes, q.start, q.end);
      let quantile = 0;
      let qValue = 0;
      while (!qr.done) {
        const qt = qr.tag();
        if (qt.field === 1 && qt.wire === WIRE_I64) quantile = qr.double();
        else if (qt.field === 2 && qt.wire === WIRE_I64) qValue = qr.double();
        else qr.skip(qt.wire);
      }
      quantiles.push(quantile);
      quantileValues.push(qValue);
    } else reader.skip(t.wire);
  }
  const row = commonColumns(c, readAttributes(bytes, start, end, attributeField), startTime, time);
  switch (kind) {
    case 'gauge':
      return { ...row, Value: value, Flags: flags, ...exemplars };
    case 'sum':
      return {
        ...row,
        Value: value,
        Flags: flags,
        ...exemplars,
        AggregationTemporality: temporality,
        IsMonotonic: monotonic,
      };
    case 'histogram':
      return {
        ...row,
        Count: count,
        Sum: sum,
        BucketCounts: bucketCounts,
        ExplicitBounds: bounds,
        ...exemplars,
        Flags: flags,
        Min: min,
        Max: max,
        AggregationTemporality: temporality,
      };
    case 'exponential_histogram':
      return {
        ...row,
        Count: count,
        Sum: sum,
        Scale: scale,
        ZeroCount: zeroCount,
        PositiveOffset: buckets.positive.offset,
        PositiveBucketCounts: buckets.positive.counts,
        NegativeOffset: buckets.negative.offset,
        NegativeBucketCounts: buckets.negative.counts,
        ...exemplars,
        Flags: flags,
        Min: min,
        Max: max,
        AggregationTemporality: temporality,
      };
    case 'summary':
      return {
        ...row,
        Count: count,
        Sum: sum,
        'ValueAtQuantiles.Quantile': quantiles,
        'ValueAtQuantiles.Value': quantileValues,
        Flags: flags,
      };
  }
}

const KIND_BY_FIELD: Record<number, Kind> = {
  5: 'gauge',
  7: 'sum',
  9: 'histogram',
  10: 'exponential_histogram',
  11: 'summary',
};
const TABLE_BY_KIND: Record<Kind, string> = {
  gauge: TABLES.gauge,
  sum: TABLES.sum,
  histogram: TABLES.histogram,
  exponential_histogram: TABLES.exponentialHistogram,
  summary: TABLES.summary,
};

export function decodeMetrics(bytes: Uint8Array, rows: RowsByTable = new Map()): RowsByTable {
  forEachItem(bytes, (resource, scope, start, end) => {
    metricRows(bytes, start, end, resource, scope, (table, row) => addRow(rows, table, row));
  });
  return rows;
}

/** One metric (bytes[start, end)): a row per data point, handed to `emit` with its table. */
export function metricRows(
  bytes: Uint8Array,
  start: number,
  end: number,
  resource: ResourceInfo,
  scope: ScopeInfo,
  emit: (table: string, row: Row) => void,
): void {
  const reader = new WireReader(bytes, start, end);
  let name = '';
  let description = '';
  let unit = '';
  let data: { kind: Kind; start: number; end: number } | undefined;
  while (!reader.done) {
    const t = reader.tag();
    const kind = KIND_BY_FIELD[t.field];
    if (t.field === 1 && t.wire === WIRE_LEN) name = readString(reader);
    else if (t.field === 2 && t.wire === WIRE_LEN) description = readString(reader);
    else if (t.field === 3 && t.wire === WIRE_LEN) unit = readString(reader);
    else if (kind && t.wire === WIRE_LEN) data = { kind, ...reader.lengthDelimited() };
    else reader.skip(t.wire);
  }
  if (!data) return;
  const common: Common = { resource, scope, name, description, unit };
  const dr = new WireReader(bytes, data.start, data.end);
  const points: { start: number; end: number }[] = [];
  let temporality = 0;
  let monotonic = false;
  while (!dr.done) {
    const t = dr.tag();
    if (t.field === 1 && t.wire === WIRE_LEN) points.push(dr.lengthDelimited());
    else if (t.field === 2 && t.wire === WIRE_VARINT && data.kind !== 'gauge' && data.kind !== 'summary')
      temporality = dr.varint();
    else if (t.field === 3 && t.wire === WIRE_VARINT && data.kind === 'sum') monotonic = dr.varint() !== 0;
    else dr.skip(t.wire);
  }
  for (const p of points)
    emit(
      TABLE_BY_KIND[data.kind],
      decodePoint(data.kind, bytes, p.start, p.end, common, temporality, monotonic),
    );
}
