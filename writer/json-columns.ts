/**
 * JSON-typed attribute columns, as the Collector's ClickHouse exporter fills them with `json: true`
 * (exporter/clickhouseexporter v0.155-v0.165, `exporter_logs_json.go`, `exporter_traces_json.go`):
 *
 * - `ResourceAttributes`, `ScopeAttributes`, `LogAttributes`, `SpanAttributes` (JSON) and
 *   `Events.Attributes`, `Links.Attributes` (Array(JSON)) get the attribute map as JSON text,
 *   `json.Marshal(map.AsRaw())`: typed values (ints, doubles, bools, strings, bytes as base64,
 *   arrays, nested maps), a duplicated key keeping its later value. The server parses the text
 *   into the column, inferring each path's type (Int64, Float64, Bool, String, Date, DateTime,
 *   arrays, ...) exactly as it does for the exporter, so the writer sends the text, not a binary
 *   JSON value of its own typing: the column travels as `String` (`Array(String)`) in the insert's
 *   structure and the server casts it on insert. Where Go would refuse the whole batch (a NaN or
 *   ±Inf double), the value becomes the spec's string (`"NaN"`, `"Infinity"`, `"-Infinity"`).
 * - `<X>AttributesKeys` (Array(LowCardinality(String))) beside a JSON `<X>Attributes` column get
 *   the exporter's `UniqueFlattenedAttributes`: every path to a non-map value (maps walked, joined
 *   with `.`; arrays are leaves), once each, sorted by bytes.
 *
 * The rows carry attribute maps as `Attributes` (decode/anyvalue.ts) whose typed entries are kept
 * beside the text pairs; pairs without them are written as strings.
 */
import { type Attributes, type Raw, type RawMap, attributesJson, typedEntries } from './decode/anyvalue.js';
import type { ByteWriter, Encoder } from './rowbinary.js';

type Entries = readonly (readonly [string, Raw])[];

function entriesOf(value: unknown): Entries {
  if (!Array.isArray(value)) return [];
  return typedEntries(value as Attributes) ?? (value as Attributes);
}

/** The JSON text of an attribute map (a row value: typed Attributes, or plain [key, text] pairs). */
export function attributesText(value: unknown): string {
  return attributesJson(entriesOf(value));
}

function isMap(value: Raw): value is RawMap {
  return (
    value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}

/** Code point order, which is the byte order of the UTF-8 text (Go sorts strings by bytes). */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/** The exporter's `UniqueFlattenedAttributes` of an attribute map. */
export function flattenedKeys(value: unknown): string[] {
  const seen = new Set<string>();
  // An explicit stack (children pushed in reverse): a deeply nested attribute cannot overflow it.
  const stack: [string, string, Raw][] = [];
  const push = (prefix: string, entries: Entries): void => {
    for (let i = entries.length - 1; i >= 0; i--) stack.push([prefix, entries[i]![0], entries[i]![1]]);
  };
  push('', entriesOf(value));
  while (stack.length > 0) {
    const [prefix, key, v] = stack.pop()!;
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (isMap(v)) push(path, v.entries);
    else seen.add(path);
  }
  return [...seen].sort(compareUtf8);
}

/** Encoder of a JSON column's value in its transfer type, String. */
export const jsonTextEncoder: Encoder = (out: ByteWriter, value: unknown) =>
  out.string(attributesText(value));

/** Encoder of an Array(JSON) column (event and link attributes) in its transfer type, Array(String). */
export const jsonTextArrayEncoder: Encoder = (out: ByteWriter, value: unknown) => {
  const list = Array.isArray(value) ? value : [];
  out.varint(list.length);
  for (const item of list) out.string(attributesText(item));
};

/** Encoder of an `<X>AttributesKeys` column: the flattened keys of the row's `<X>Attributes` value. */
export const attributeKeysEncoder: Encoder = (out: ByteWriter, value: unknown) => {
  const keys =
    Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : flattenedKeys(value);
  out.varint(keys.length);
  for (const key of keys) out.string(key);
};

/** A JSON column type as DESC TABLE prints it: `JSON` or `JSON(<parameters>)`. */
export function isJsonType(type: string): boolean {
  return /^JSON(\(.*\))?$/s.test(type.trim());
}

/** `Array(JSON...)`. */
export function isJsonArrayType(type: string): boolean {
  const inner = /^Array\((.*)\)$/s.exec(type.trim())?.[1];
  return inner !== undefined && isJsonType(inner);
}
