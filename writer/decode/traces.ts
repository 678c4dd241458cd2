/** ExportTraceServiceRequest bytes → otel_traces rows. */
import { TABLES } from '../../schemas/ddl.js';
import { WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT, WireReader } from '../../schemas/otlp/wire.js';
import { type Attributes, type Raw, pushKeyValue, readString, sortAttributes } from './anyvalue.js';
import {
  type ResourceInfo,
  type Row,
  type RowsByTable,
  type ScopeInfo,
  addRow,
  forEachItem,
  idHex,
  readAttributes,
} from './common.js';

const SPAN_KINDS = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];
const STATUS_CODES = ['Unset', 'Ok', 'Error'];

function readStatus(bytes: Uint8Array, start: number, end: number): { code: number; message: string } {
  const reader = new WireReader(bytes, start, end);
  let code = 0;
  let message = '';
  while (!reader.done) {
    const t = reader.tag();
    if (t.field === 2 && t.wire === WIRE_LEN) message = readString(reader);
    else if (t.field === 3 && t.wire === WIRE_VARINT) code = reader.varint();
    else reader.skip(t.wire);
  }
  return { code, message };
}

export function decodeTraces(bytes: Uint8Array, rows: RowsByTable = new Map()): RowsByTable {
  forEachItem(bytes, (resource, scope, start, end) => {
    addRow(rows, TABLES.traces, spanRow(bytes, start, end, resource, scope));
  });
  return rows;
}

/** One span (bytes[start, end)) as an otel_traces row. */
export function spanRow(
  bytes: Uint8Array,
  start: number,
  end: number,
  resource: ResourceInfo,
  scope: ScopeInfo,
): Row {
  const reader = new WireReader(bytes, start, end);
  let traceId = '';
  let spanId = '';
  let parentSpanId = '';
  let traceState = '';
  let name = '';
  let kind = 0;
  let startNs = 0n;
  let endNs = 0n;
  const attributes: [string, Raw][] = [];
  let status = { code: 0, message: '' };
  const eventTimes: bigint[] = [];
  const eventNames: string[] = [];
  const eventAttributes: Attributes[] = [];
  const linkTraceIds: string[] = [];
  const linkSpanIds: string[] = [];
  const linkStates: string[] = [];
  const linkAttributes: Attributes[] = [];
  while (!reader.done) {
    const t = reader.tag();
    switch (t.field) {
      case 1:
      case 2:
      case 4: {
        if (t.wire !== WIRE_LEN) break;
        const id = reader.lengthDelimited();
        const hex = idHex(bytes, id.start, id.end);
        if (t.field === 1) traceId = hex;
        else if (t.field === 2) spanId = hex;
        else parentSpanId = hex;
        continue;
      }
      case 3:
        if (t.wire === WIRE_LEN) {
          traceState = readString(reader);
          continue;
        }
        break;
      case 5:
        if (t.wire === WIRE_LEN) {
          name = readString(reader);
          continue;
        }
        break;
      case 6:
        if (t.wire === WIRE_VARINT) {
          kind = reader.varint();
          continue;
        }
        break;
      case 7:
      case 8:
        if (t.wire === WIRE_I64) {
          if (t.field === 7) startNs = reader.fixed64();
          else endNs = reader.fixed64();
          continue;
        }
        break;
      case 9:
        if (t.wire === WIRE_LEN) {
          pushKeyValue(reader, attributes);
          continue;
        }
        break;
      case 11:
        if (t.wire === WIRE_LEN) {
          const e = reader.lengthDelimited();
          const ev = new WireReader(bytes, e.start, e.end);
          let time = 0n;
          let eventName = '';
          while (!ev.done) {
            const et = ev.tag();
            if (et.field === 1 && et.wire === WIRE_I64) time = ev.fixed64();
            else if (et.field === 2 && et.wire === WIRE_LEN) eventName = readString(ev);
            else ev.skip(et.wire);
          }
          eventTimes.push(time);
          eventNames.push(eventName);
          eventAttributes.push(readAttributes(bytes, e.start, e.end, 3));
          continue;
        }
        break;
      case 13:
        if (t.wire === WIRE_LEN) {
          const l = reader.lengthDelimited();
          const link = new WireReader(bytes, l.start, l.end);
          let linkTrace = '';
          let linkSpan = '';
          let linkState = '';
          while (!link.done) {
            const lt = link.tag();
            if ((lt.field === 1 || lt.field === 2) && lt.wire === WIRE_LEN) {
              const id = link.lengthDelimited();
              if (lt.field === 1) linkTrace = idHex(bytes, id.start, id.end);
              else linkSpan = idHex(bytes, id.start, id.end);
            } else if (lt.field === 3 && lt.wire === WIRE_LEN) linkState = readString(link);
            else link.skip(lt.wire);
          }
          linkTraceIds.push(linkTrace);
          linkSpanIds.push(linkSpan);
          linkStates.push(linkState);
          linkAttributes.push(readAttributes(bytes, l.start, l.end, 4));
          continue;
        }
        break;
      case 15:
        if (t.wire === WIRE_LEN) {
          const s = reader.lengthDelimited();
          status = readStatus(bytes, s.start, s.end);
          continue;
        }
        break;
      case 16:
        if (t.wire === WIRE_I32) {
          reader.fixed32();
          continue;
        }
        break;
      default:
        break;
    }
    reader.skip(t.wire);
  }
  const spanAttributes = sortAttributes(attributes);
  return {
    Timestamp: startNs,
    TraceId: traceId,
    SpanId: spanId,
    ParentSpanId: parentSpanId,
    TraceState: traceState,
    SpanName: name,
    SpanKind: SPAN_KINDS[kind] ?? '',
    ServiceName: resource.serviceName,
    ResourceAttributes: resource.attributes,
    ScopeName: scope.name,
    ScopeVersion: scope.version,
    SpanAttributes: spanAttributes,
    Duration: endNs > startNs ? endNs - startNs : 0n,
    StatusCode: STATUS_CODES[status.code] ?? '',
    StatusMessage: status.message,
    'Events.Timestamp': eventTimes,
    'Events.Name': eventNames,
    'Events.Attributes': eventAttributes,
    'Links.TraceId': linkTraceIds,
    'Links.SpanId': linkSpanIds,
    'Links.TraceState': linkStates,
    'Links.Attributes': linkAttributes,
    // Written only into the JSON layout's key columns (writer/json-columns.ts), from the maps.
    ResourceAttributesKeys: resource.attributes,
    SpanAttributesKeys: spanAttributes,
  };
}
