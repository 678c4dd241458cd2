/** ExportLogsServiceRequest bytes → otel_logs rows, and hyperdx_sessions rows for session replays. */
import { TABLES } from '../../schemas/ddl.js';
import { WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT, WireReader } from '../../schemas/otlp/wire.js';
import { isSessionRecord } from '../clickstack/route.js';
import { type LogProcessing, applyLogRules, logNeedsRules } from '../clickstack/rules.js';
import { type Raw, asString, pushKeyValue, readAnyValue, readString, sortAttributes } from './anyvalue.js';
import {
  type ResourceInfo,
  type Row,
  type RowsByTable,
  type ScopeInfo,
  addRow,
  forEachItem,
  idHex,
} from './common.js';

export interface LogDecodeOptions {
  /** `clickstack` (default): the ClickStack collector's log processing; `none`: as the plain exporter writes. */
  readonly logProcessing?: LogProcessing;
}

export function decodeLogs(
  bytes: Uint8Array,
  rows: RowsByTable = new Map(),
  options: LogDecodeOptions = {},
): RowsByTable {
  const processing = options.logProcessing ?? 'clickstack';
  forEachItem(bytes, (resource, scope, start, end) => {
    const { table, row } = logRecordRow(bytes, start, end, resource, scope, processing);
    addRow(rows, table, row);
  });
  return rows;
}

/**
 * One log record (bytes[start, end)) as a row, and its table: hyperdx_sessions for session replays
 * (stored as received), otel_logs with the log processing applied. Also the transcoder's per-item
 * fallback (writer/transcode/logs.ts).
 */
export function logRecordRow(
  bytes: Uint8Array,
  start: number,
  end: number,
  resource: ResourceInfo,
  scope: ScopeInfo,
  processing: LogProcessing,
): { table: string; row: Row } {
  const reader = new WireReader(bytes, start, end);
  let time = 0n;
  let observed = 0n;
  let severityNumber = 0;
  let severityText = '';
  let body: Raw = null;
  const attributes: [string, Raw][] = [];
  let flags = 0;
  let traceId = '';
  let spanId = '';
  let eventName = '';
  while (!reader.done) {
    const t = reader.tag();
    if (t.field === 1 && t.wire === WIRE_I64) time = reader.fixed64();
    else if (t.field === 11 && t.wire === WIRE_I64) observed = reader.fixed64();
    else if (t.field === 2 && t.wire === WIRE_VARINT) severityNumber = reader.varint();
    else if (t.field === 3 && t.wire === WIRE_LEN) severityText = readString(reader);
    else if (t.field === 5 && t.wire === WIRE_LEN) {
      const b = reader.lengthDelimited();
      body = readAnyValue(bytes, b.start, b.end);
    } else if (t.field === 6 && t.wire === WIRE_LEN) pushKeyValue(reader, attributes);
    else if (t.field === 8 && t.wire === WIRE_I32) flags = reader.fixed32();
    else if ((t.field === 9 || t.field === 10) && t.wire === WIRE_LEN) {
      const id = reader.lengthDelimited();
      if (t.field === 9) traceId = idHex(bytes, id.start, id.end);
      else spanId = idHex(bytes, id.start, id.end);
    } else if (t.field === 12 && t.wire === WIRE_LEN) eventName = readString(reader);
    else reader.skip(t.wire);
  }
  const bodyText = asString(body);
  // Routing comes before any processing: session replays are stored exactly as received.
  const isSession = isSessionRecord(attributes);
  let logAttributes = null;
  if (
    !isSession &&
    processing === 'clickstack' &&
    logNeedsRules(body, attributes, severityText, severityNumber)
  ) {
    const result = applyLogRules({ body, bodyText, attributes, severityText, severityNumber });
    logAttributes = result.attributes;
    severityText = result.severityText;
    severityNumber = result.severityNumber;
  }
  const storedAttributes = logAttributes ?? sortAttributes(attributes);
  const row: Row = {
    Timestamp: time !== 0n ? time : observed,
    TraceId: traceId,
    SpanId: spanId,
    TraceFlags: flags & 0xff,
    SeverityText: severityText,
    SeverityNumber: severityNumber & 0xff,
    ServiceName: resource.serviceName,
    Body: bodyText,
    ResourceSchemaUrl: resource.schemaUrl,
    ResourceAttributes: resource.attributes,
    ScopeSchemaUrl: scope.schemaUrl,
    ScopeName: scope.name,
    ScopeVersion: scope.version,
    ScopeAttributes: scope.attributes,
    LogAttributes: storedAttributes,
    EventName: eventName,
    // Written only into the JSON layout's key columns (writer/json-columns.ts), from the maps.
    ResourceAttributesKeys: resource.attributes,
    ScopeAttributesKeys: scope.attributes,
    LogAttributesKeys: storedAttributes,
  };
  return { table: isSession ? TABLES.sessions : TABLES.logs, row };
}
