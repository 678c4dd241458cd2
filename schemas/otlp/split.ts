/**
 * Size-bounded splitting of a (validated) Export*ServiceRequest directly on its wire bytes, along
 * resource → scope → item. Every part is a complete request carrying its resource's and scope's
 * own fields; items keep their order; nothing is lost or duplicated. Items are spans, log records
 * or metrics (a metric's data points stay together).
 */
import { TributaryError } from '../../core/errors.js';
import { readKeyValue } from '../../writer/decode/anyvalue.js';
import type { Raw } from '../../writer/decode/anyvalue.js';
import { resourceKey } from '../keys.js';
import type { Signal } from './shapes.js';
import { WIRE_LEN, WireReader, lenFieldSize, toHex, writeVarint } from './wire.js';

export interface SplitPart {
  readonly bytes: Uint8Array;
  /** Lowercase hex trace id of the part when split per trace ('' for items without one). */
  readonly traceId?: string;
  /**
   * The record key the OpenTelemetry Collector's kafkaexporter gives this part (schemas/keys.ts):
   * per trace, the hex trace id as ASCII (empty, not absent, for items without a trace id); per
   * resource, the 16 bytes of MapHash(resource attributes). Absent when not split by a key.
   */
  readonly key?: Uint8Array;
}

/**
 * none: one record, or size-bounded parts; trace: one part (or more, by size) per trace id —
 * spans (`partition_traces_by_id`) or log records (`partition_logs_by_trace_id`); resource: one
 * per ResourceLogs/ResourceMetrics (`partition_{logs,metrics}_by_resource_attributes`).
 */
export type SplitMode = 'none' | 'trace' | 'resource';

/** The field of an item's trace id: Span.trace_id = 1, LogRecord.trace_id = 9. */
const TRACE_ID_FIELD: Partial<Record<Signal, number>> = { traces: 1, logs: 9 };

interface ScopeGroup {
  /** Encoded fields of the scope container other than its items (scope, schema_url, unknown). */
  readonly header: Uint8Array[];
  readonly headerSize: number;
  readonly items: Uint8Array[];
}

interface ResourceGroup {
  readonly header: Uint8Array[];
  readonly headerSize: number;
  readonly scopes: ScopeGroup[];
}

const ITEM_NAMES: Record<Signal, string> = { traces: 'span', metrics: 'metric', logs: 'log record' };

function parseContainer(
  bytes: Uint8Array,
  start: number,
  end: number,
): { header: Uint8Array[]; headerSize: number; children: Uint8Array[] } {
  const reader = new WireReader(bytes, start, end);
  const header: Uint8Array[] = [];
  const children: Uint8Array[] = [];
  let headerSize = 0;
  while (!reader.done) {
    const fieldStart = reader.pos;
    const { field, wire } = reader.tag();
    if (field === 2 && wire === WIRE_LEN) {
      const body = reader.lengthDelimited();
      children.push(bytes.subarray(body.start, body.end));
    } else {
      reader.skip(wire);
      header.push(bytes.subarray(fieldStart, reader.pos));
      headerSize += reader.pos - fieldStart;
    }
  }
  return { header, headerSize, children };
}

function parseRequest(bytes: Uint8Array): ResourceGroup[] {
  const resources: ResourceGroup[] = [];
  const top = new WireReader(bytes);
  while (!top.done) {
    const { field, wire } = top.tag();
    if (field !== 1 || wire !== WIRE_LEN) {
      top.skip(wire); // nothing else is defined at the top level
      continue;
    }
    const r = top.lengthDelimited();
    const resource = parseContainer(bytes, r.start, r.end);
    resources.push({
      header: resource.header,
      headerSize: resource.headerSize,
      scopes: resource.children.map((scopeBytes) => {
        const scope = parseContainer(scopeBytes, 0, scopeBytes.length);
        return { header: scope.header, headerSize: scope.headerSize, items: scope.children };
      }),
    });
  }
  return resources;
}

function scopeBodySize(scope: ScopeGroup): number {
  let size = scope.headerSize;
  for (const item of scope.items) size += lenFieldSize(item.length);
  return size;
}

function resourceBodySize(resource: ResourceGroup): number {
  let size = resource.headerSize;
  for (const scope of resource.scopes) size += lenFieldSize(scopeBodySize(scope));
  return size;
}

function encodedSize(resources: readonly ResourceGroup[]): number {
  let size = 0;
  for (const resource of resources) size += lenFieldSize(resourceBodySize(resource));
  return size;
}

function writeLenField(out: Uint8Array, pos: number, field: number, bodySize: number): number {
  out[pos++] = (field << 3) | WIRE_LEN;
  return writeVarint(out, pos, bodySize);
}

function encode(resources: readonly ResourceGroup[]): Uint8Array {
  const out = new Uint8Array(encodedSize(resources));
  let pos = 0;
  for (const resource of resources) {
    pos = writeLenField(out, pos, 1, resourceBodySize(resource));
    for (const h of resource.header) {
      out.set(h, pos);
      pos += h.length;
    }
    for (const scope of resource.scopes) {
      pos = writeLenField(out, pos, 2, scopeBodySize(scope));
      for (const h of scope.header) {
        out.set(h, pos);
        pos += h.length;
      }
      for (const item of scope.items) {
        pos = writeLenField(out, pos, 2, item.length);
        out.set(item, pos);
        pos += item.length;
      }
    }
  }
  return out;
}

/**
 * Greedy packing in order: items go into the current part until the next one would overflow it.
 * Sizes are tracked incrementally so packing stays linear in the number of items.
 */
function pack(signal: Signal, resources: readonly ResourceGroup[], maxBytes: number): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let current: ResourceGroup[] = [];
  let closedSize = 0; // encoded size of the finished resources of the current part
  let openResource: ResourceGroup | undefined;
  let openScopesSize = 0; // encoded size of the finished scopes of the open resource
  let openScope: ScopeGroup | undefined;
  let openItemsSize = 0;

  const sizeWith = (extraItem: number): number => {
    if (!openResource) return closedSize;
    const scopeBody = openScope ? openScope.headerSize + openItemsSize + extraItem : 0;
    const resourceBody = openResource.headerSize + openScopesSize + (openScope ? lenFieldSize(scopeBody) : 0);
    return closedSize + lenFieldSize(resourceBody);
  };
  const closeScope = (): void => {
    if (openScope) openScopesSize += lenFieldSize(openScope.headerSize + openItemsSize);
    openScope = undefined;
    openItemsSize = 0;
  };
  const closeResource = (): void => {
    closeScope();
    if (openResource) closedSize += lenFieldSize(openResource.headerSize + openScopesSize);
    openResource = undefined;
    openScopesSize = 0;
  };
  const openGroups = (resource: ResourceGroup, scope: ScopeGroup | undefined): void => {
    openResource = { header: resource.header, headerSize: resource.headerSize, scopes: [] };
    current.push(openResource);
    if (scope) {
      openScope = { header: scope.header, headerSize: scope.headerSize, items: [] };
      openResource.scopes.push(openScope);
    }
  };
  const flush = (): void => {
    closeResource();
    if (current.length > 0) parts.push(encode(current));
    current = [];
    closedSize = 0;
  };

  /** Ends the current part before `resource`/`scope` continue in a new one, dropping empty containers. */
  const restartIn = (resource: ResourceGroup, scope: ScopeGroup | undefined): void => {
    if (openScope && openScope.items.length === 0) {
      openResource!.scopes.pop();
      openScope = undefined;
    }
    if (openResource && openResource.scopes.length === 0) {
      current.pop();
      openResource = undefined;
      openScopesSize = 0;
    }
    flush();
    openGroups(resource, scope);
  };
  const partHasContent = (): boolean => closedSize > 0 || openScopesSize > 0 || openItemsSize > 0;

  resources.forEach((resource, r) => {
    openGroups(resource, undefined);
    if (sizeWith(0) > maxBytes && closedSize > 0) restartIn(resource, undefined);
    if (sizeWith(0) > maxBytes)
      throw tooLarge(signal, `resource ${r} (its own fields)`, sizeWith(0), maxBytes);
    resource.scopes.forEach((scope, s) => {
      closeScope();
      openScope = { header: scope.header, headerSize: scope.headerSize, items: [] };
      openResource!.scopes.push(openScope);
      if (sizeWith(0) > maxBytes && partHasContent()) restartIn(resource, scope);
      if (sizeWith(0) > maxBytes)
        throw tooLarge(signal, `resource ${r}, scope ${s} (its own fields)`, sizeWith(0), maxBytes);
      scope.items.forEach((item, i) => {
        const itemSize = lenFieldSize(item.length);
        if (sizeWith(itemSize) > maxBytes && partHasContent()) restartIn(resource, scope);
        if (sizeWith(itemSize) > maxBytes)
          throw tooLarge(
            signal,
            `resource ${r}, scope ${s}, ${ITEM_NAMES[signal]} ${i}`,
            sizeWith(itemSize),
            maxBytes,
          );
        openScope!.items.push(item);
        openItemsSize += itemSize;
      });
    });
    closeResource();
  });
  flush();
  return parts;
}

function tooLarge(signal: Signal, what: string, size: number, maxBytes: number): TributaryError {
  return new TributaryError(
    'PAYLOAD_TOO_LARGE',
    `OTLP ${signal}: ${what} needs ${size} bytes, more than the largest record (${maxBytes} bytes); it cannot be split further`,
  );
}

/**
 * An item's trace id as lowercase hex; '' when absent or all zero (the Collector's "empty" id). The
 * first occurrence is taken and the scan stops there (a span's id is its first field): only a
 * non-canonical encoding repeats the field, where protobuf decoding would keep the last.
 */
function traceIdOf(item: Uint8Array, idField: number): string {
  const reader = new WireReader(item);
  while (!reader.done) {
    const { field, wire } = reader.tag();
    if (field === idField && wire === WIRE_LEN) {
      const { start, end } = reader.lengthDelimited();
      for (let i = start; i < end; i++) if (item[i] !== 0) return toHex(item, start, end);
      return '';
    }
    reader.skip(wire);
  }
  return '';
}

/** Regroups items per trace id, keeping resource/scope context and first-seen order. */
function groupByTrace(resources: readonly ResourceGroup[], idField: number): Map<string, ResourceGroup[]> {
  const traces = new Map<string, ResourceGroup[]>();
  for (const resource of resources) {
    const perTrace = new Map<string, ResourceGroup>();
    for (const scope of resource.scopes) {
      const scopePerTrace = new Map<string, ScopeGroup>();
      for (const item of scope.items) {
        const traceId = traceIdOf(item, idField);
        let resourceCopy = perTrace.get(traceId);
        if (!resourceCopy) {
          resourceCopy = { header: resource.header, headerSize: resource.headerSize, scopes: [] };
          perTrace.set(traceId, resourceCopy);
          const list = traces.get(traceId) ?? [];
          list.push(resourceCopy);
          traces.set(traceId, list);
        }
        let scopeCopy = scopePerTrace.get(traceId);
        if (!scopeCopy) {
          scopeCopy = { header: scope.header, headerSize: scope.headerSize, items: [] };
          scopePerTrace.set(traceId, scopeCopy);
          resourceCopy.scopes.push(scopeCopy);
        }
        scopeCopy.items.push(item);
      }
    }
  }
  return traces;
}

/** The resource's attributes (Resource field 1 of the container, its field 1 entries) in wire order. */
function resourceAttributes(resource: ResourceGroup): [string, Raw][] {
  const attributes: [string, Raw][] = [];
  for (const field of resource.header) {
    const reader = new WireReader(field);
    const { field: number, wire } = reader.tag();
    if (number !== 1 || wire !== WIRE_LEN) continue;
    const body = reader.lengthDelimited();
    const attrs = new WireReader(field, body.start, body.end);
    while (!attrs.done) {
      const tag = attrs.tag();
      if (tag.field !== 1 || tag.wire !== WIRE_LEN) {
        attrs.skip(tag.wire);
        continue;
      }
      const kv = attrs.lengthDelimited();
      attributes.push(readKeyValue(field, kv.start, kv.end));
    }
  }
  return attributes;
}

/** The Collector's resource key: MapHash of the resource attributes (order-independent). */
function resourceAttributesKey(resource: ResourceGroup): Uint8Array {
  return resourceKey(resourceAttributes(resource));
}

export function splitRequest(
  signal: Signal,
  bytes: Uint8Array,
  maxBytes: number,
  mode: SplitMode = 'none',
): SplitPart[] {
  if (mode === 'none' && bytes.length <= maxBytes) return [{ bytes }];
  const resources = parseRequest(bytes);
  const idField = TRACE_ID_FIELD[signal];
  if (mode === 'trace' && idField !== undefined) {
    const parts: SplitPart[] = [];
    for (const [traceId, groups] of groupByTrace(resources, idField)) {
      // The Collector's key is this very hex id as ASCII, '' for none (schemas/keys.ts traceIdKey):
      // no round trip through the raw bytes.
      const key = Buffer.from(traceId, 'latin1');
      for (const part of pack(signal, groups, maxBytes)) parts.push({ bytes: part, traceId, key });
    }
    return parts;
  }
  if (mode === 'resource' && signal !== 'traces') {
    const parts: SplitPart[] = [];
    for (const resource of resources) {
      const key = resourceAttributesKey(resource);
      for (const part of pack(signal, [resource], maxBytes)) parts.push({ bytes: part, key });
    }
    return parts;
  }
  if (bytes.length <= maxBytes) return [{ bytes }];
  return pack(signal, resources, maxBytes).map((part) => ({ bytes: part }));
}
