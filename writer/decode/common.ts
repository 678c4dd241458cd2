/** Walking Resource* → Scope* → item containers of an Export*ServiceRequest, shared by every signal. */
import { WIRE_LEN, WIRE_VARINT, WireReader, toHex } from '../../schemas/otlp/wire.js';
import { type Attributes, type Raw, pushKeyValue, readString, sortAttributes } from './anyvalue.js';

/** A row for one table: column name → value. Times are nanoseconds (bigint); the encoder converts per column type. */
export type RowValue = string | number | bigint | boolean | Attributes | RowValue[];
export type Row = Record<string, RowValue>;
export type RowsByTable = Map<string, Row[]>;

export function addRow(rows: RowsByTable, table: string, row: Row): void {
  let list = rows.get(table);
  if (!list) {
    list = [];
    rows.set(table, list);
  }
  list.push(row);
}

export interface ResourceInfo {
  readonly attributes: Attributes;
  readonly schemaUrl: string;
  readonly serviceName: string;
}

export interface ScopeInfo {
  readonly name: string;
  readonly version: string;
  readonly attributes: Attributes;
  readonly droppedAttributes: number;
  readonly schemaUrl: string;
}

/** Lowercase hex of an id, or "" when it is empty or all zero (TraceIDToHexOrEmptyString). */
export function idHex(bytes: Uint8Array, start: number, end: number): string {
  for (let i = start; i < end; i++) if (bytes[i] !== 0) return toHex(bytes, start, end);
  return '';
}

/** Attributes of a message: repeated KeyValue at `field` inside [start, end). */
export function readAttributes(bytes: Uint8Array, start: number, end: number, field: number): Attributes {
  const pairs: [string, Raw][] = [];
  const reader = new WireReader(bytes, start, end);
  while (!reader.done) {
    const t = reader.tag();
    if (t.field === field && t.wire === WIRE_LEN) pushKeyValue(reader, pairs);
    else reader.skip(t.wire);
  }
  return sortAttributes(pairs);
}

function readScope(bytes: Uint8Array, start: number, end: number, schemaUrl: string): ScopeInfo {
  const reader = new WireReader(bytes, start, end);
  let name = '';
  let version = '';
  let dropped = 0;
  const pairs: [string, Raw][] = [];
  while (!reader.done) {
    const t = reader.tag();
    if (t.field === 1 && t.wire === WIRE_LEN) name = readString(reader);
    else if (t.field === 2 && t.wire === WIRE_LEN) version = readString(reader);
    else if (t.field === 3 && t.wire === WIRE_LEN) pushKeyValue(reader, pairs);
    else if (t.field === 4 && t.wire === WIRE_VARINT) dropped = reader.varint();
    else reader.skip(t.wire);
  }
  return { name, version, attributes: sortAttributes(pairs), droppedAttributes: dropped, schemaUrl };
}

const EMPTY_SCOPE = (schemaUrl: string): ScopeInfo => ({
  name: '',
  version: '',
  attributes: [],
  droppedAttributes: 0,
  schemaUrl,
});

interface Container {
  header: { start: number; end: number } | undefined;
  children: { start: number; end: number }[];
  schemaUrl: string;
}

/** Fields 1 (header message), 2 (repeated children) and 3 (schema_url) of a container, in any wire order. */
function readContainer(bytes: Uint8Array, start: number, end: number): Container {
  const reader = new WireReader(bytes, start, end);
  const container: Container = { header: undefined, children: [], schemaUrl: '' };
  while (!reader.done) {
    const t = reader.tag();
    if (t.wire !== WIRE_LEN) {
      reader.skip(t.wire);
      continue;
    }
    if (t.field === 1) container.header = reader.lengthDelimited();
    else if (t.field === 2) container.children.push(reader.lengthDelimited());
    else if (t.field === 3) container.schemaUrl = readString(reader);
    else reader.skip(t.wire);
  }
  return container;
}

/** The resource of a Resource* container: its header's attributes (sorted) and service.name. */
export function resourceInfo(
  bytes: Uint8Array,
  header: { start: number; end: number } | undefined,
  schemaUrl: string,
): ResourceInfo {
  const attributes = header ? readAttributes(bytes, header.start, header.end, 1) : [];
  return { attributes, schemaUrl, serviceName: attributes.find(([k]) => k === 'service.name')?.[1] ?? '' };
}

/** The scope of a Scope* container (an empty scope when it has no header). */
export function scopeInfo(
  bytes: Uint8Array,
  header: { start: number; end: number } | undefined,
  schemaUrl: string,
): ScopeInfo {
  return header ? readScope(bytes, header.start, header.end, schemaUrl) : EMPTY_SCOPE(schemaUrl);
}

/** Calls `visit` for every item (span, log record, metric) with its resource and scope. */
export function forEachItem(
  bytes: Uint8Array,
  visit: (resource: ResourceInfo, scope: ScopeInfo, start: number, end: number) => void,
): void {
  const top = new WireReader(bytes);
  while (!top.done) {
    const t = top.tag();
    if (t.field !== 1 || t.wire !== WIRE_LEN) {
      top.skip(t.wire);
      continue;
    }
    const r = top.lengthDelimited();
    const resourceContainer = readContainer(bytes, r.start, r.end);
    const resource = resourceInfo(bytes, resourceContainer.header, resourceContainer.schemaUrl);
    for (const s of resourceContainer.children) {
      const scopeContainer = readContainer(bytes, s.start, s.end);
      const scope = scopeInfo(bytes, scopeContainer.header, scopeContainer.schemaUrl);
      for (const item of scopeContainer.children) visit(resource, scope, item.start, item.end);
    }
  }
}
