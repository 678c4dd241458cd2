/**
 * Attribute values as the OpenTelemetry Collector's ClickHouse exporter writes them (pdata
 * `Value.AsString`): strings as they are, ints in decimal, doubles like JSON numbers (ES6 number
 * formatting), bools as true/false, bytes in base64, maps and arrays as compact JSON with map keys
 * sorted and <, >, & escaped as Go's encoding/json does.
 */
import { WIRE_I64, WIRE_LEN, WIRE_VARINT, WireReader } from '../../schemas/otlp/wire.js';

/**
 * A decoded AnyValue, kept raw enough to render both as text and as JSON: string, int (bigint),
 * double (number), bool, bytes, array, kvlist (entries in wire order) or null for the empty value.
 */
type Raw = string | bigint | number | boolean | Uint8Array | Raw[] | RawMap | null;
interface RawMap {
  readonly entries: [string, Raw][];
}

// ignoreBOM: a leading byte-order mark is text like any other (Go keeps it; TextDecoder would drop it).
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** UTF-8 text of bytes[start, end): short ASCII strings (most keys and values) skip TextDecoder. */
export function utf8(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= 48) {
    let ascii = true;
    for (let i = start; i < end; i++) {
      if (bytes[i]! >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  }
  return decoder.decode(bytes.subarray(start, end));
}

function str(reader: WireReader): string {
  const { start, end } = reader.lengthDelimited();
  return utf8(reader.bytes, start, end);
}

export function readString(reader: WireReader): string {
  return str(reader);
}

/** One AnyValue message in bytes[start, end). */
export function readAnyValue(bytes: Uint8Array, start: number, end: number): Raw {
  return readAny(bytes, start, end);
}

function readAny(bytes: Uint8Array, start: number, end: number): Raw {
  const reader = new WireReader(bytes, start, end);
  let value: Raw = null;
  while (!reader.done) {
    const { field, wire } = reader.tag();
    if (field === 1 && wire === WIRE_LEN) value = str(reader);
    else if (field === 2 && wire === WIRE_VARINT) value = reader.varint() !== 0;
    else if (field === 3 && wire === WIRE_VARINT) value = reader.int64();
    else if (field === 4 && wire === WIRE_I64) value = reader.double();
    else if (field === 5 && wire === WIRE_LEN) {
      const { start: s, end: e } = reader.lengthDelimited();
      const list: Raw[] = [];
      const inner = new WireReader(bytes, s, e);
      while (!inner.done) {
        const t = inner.tag();
        if (t.field === 1 && t.wire === WIRE_LEN) {
          const v = inner.lengthDelimited();
          list.push(readAny(bytes, v.start, v.end));
        } else inner.skip(t.wire);
      }
      value = list;
    } else if (field === 6 && wire === WIRE_LEN) {
      const { start: s, end: e } = reader.lengthDelimited();
      value = { entries: readKeyValuesRaw(bytes, s, e, 1) };
    } else if (field === 7 && wire === WIRE_LEN) {
      const { start: s, end: e } = reader.lengthDelimited();
      value = bytes.slice(s, e);
    } else reader.skip(wire);
  }
  return value;
}

/** Repeated KeyValue (field `field`) inside [start, end). */
function readKeyValuesRaw(bytes: Uint8Array, start: number, end: number, field: number): [string, Raw][] {
  const out: [string, Raw][] = [];
  const reader = new WireReader(bytes, start, end);
  while (!reader.done) {
    const t = reader.tag();
    if (t.field !== field || t.wire !== WIRE_LEN) {
      reader.skip(t.wire);
      continue;
    }
    const kv = reader.lengthDelimited();
    out.push(readKeyValue(bytes, kv.start, kv.end));
  }
  return out;
}

export function readKeyValue(bytes: Uint8Array, start: number, end: number): [string, Raw] {
  const reader = new WireReader(bytes, start, end);
  let key = '';
  let value: Raw = null;
  while (!reader.done) {
    const t = reader.tag();
    if (t.field === 1 && t.wire === WIRE_LEN) key = str(reader);
    else if (t.field === 2 && t.wire === WIRE_LEN) {
      const v = reader.lengthDelimited();
      value = readAny(bytes, v.start, v.end);
    } else reader.skip(t.wire);
  }
  return [key, value];
}

/**
 * ES6 number to string, as Go's encoding/json and pdata format float64; NaN and ±Inf as the
 * OpenTelemetry spec writes them (pdata since v1.61, collector-contrib v0.155: before, AsString gave
 * "json: unsupported value: NaN").
 */
export function formatDouble(value: number): string {
  if (!Number.isFinite(value)) return nonFiniteText(value);
  // Go prints negative zero as "-0"; JavaScript's String() drops the sign.
  return Object.is(value, -0) ? '-0' : String(value);
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * A JSON string as pdata writes map and array values (pdata v1.61+, without HTML escaping: <, > and
 * & stay as they are); U+2028 and U+2029 are escaped, as Go's encoder always does.
 */
function escapeJsonString(value: string): string {
  // A lone surrogate (a JSON body's "\ud800" parsed by the ClickStack rules) is U+FFFD, as Go's
  // decoder makes it; JSON.stringify would write the escape, which ClickHouse's JSON parser refuses.
  return JSON.stringify(value.replace(LONE_SURROGATE, '\ufffd')).replace(
    /[\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Go's encoding/json refuses NaN and ±Inf: pdata's AsString of a map or array holding one is "". */
class UnsupportedDouble extends Error {}

/** The OpenTelemetry spec's text for a non-finite double (AnyValue to string). */
function nonFiniteText(value: number): string {
  return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
}

/**
 * Go's json.Marshal of pdata's AsRaw. `nonFinite`: 'throw' (Go refuses the whole value) or 'text'
 * (the value as the spec's string "NaN" / "Infinity" / "-Infinity", for JSON columns).
 */
function toJson(value: Raw, nonFinite: 'throw' | 'text' = 'throw'): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return escapeJsonString(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      if (nonFinite === 'throw') throw new UnsupportedDouble();
      return `"${nonFiniteText(value)}"`;
    }
    return formatDouble(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  // Empty bytes are a nil []byte in pdata, which Go's JSON writes as null.
  if (value instanceof Uint8Array)
    return value.length === 0 ? 'null' : escapeJsonString(Buffer.from(value).toString('base64'));
  if (Array.isArray(value)) return `[${value.map((v) => toJson(v, nonFinite)).join(',')}]`;
  return objectJson(value.entries, nonFinite);
}

/** A map as Go's JSON: pdata's AsRaw makes a Go map, so a duplicated key keeps its later value. */
function objectJson(entries: readonly (readonly [string, Raw])[], nonFinite: 'throw' | 'text'): string {
  // Sorted stably; the last of a run of equal keys is the later one.
  const sorted = [...entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const [k, v] = sorted[i]!;
    if (i + 1 < sorted.length && sorted[i + 1]![0] === k) continue;
    parts.push(`${escapeJsonString(k)}:${toJson(v, nonFinite)}`);
  }
  return `{${parts.join(',')}}`;
}

/**
 * An attribute map as the text the exporter hands a JSON column (`json.Marshal(map.AsRaw())`),
 * except that NaN and ±Inf, which make Go refuse the whole batch, become the spec's strings.
 */
export function attributesJson(entries: readonly (readonly [string, Raw])[]): string {
  return objectJson(entries, 'text');
}

/** pdata Value.AsString. */
export function asString(value: Raw): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return formatDouble(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  try {
    return toJson(value);
  } catch (err) {
    if (err instanceof UnsupportedDouble) return '';
    throw err;
  }
}

export function anyValueAsString(bytes: Uint8Array, start: number, end: number): string {
  return asString(readAny(bytes, start, end));
}

/**
 * An attribute map as [key, text] pairs sorted by key (the exporter sorts before inserting).
 * Duplicate keys are kept, in arrival order, as the Collector's exporter writes them (a Map column
 * may hold them; `m['k']` reads the first, as pdata's Map.Get): bench/parity.ts.
 */
export type Attributes = [string, string][];

/** Where an Attributes array keeps its typed entries (not enumerable: test comparisons ignore it). */
const TYPED = Symbol('typed attributes');

/**
 * The typed [key, AnyValue] entries an Attributes array was made from, in pdata's order (duplicates
 * as sent): what a JSON column stores. Undefined for pairs made elsewhere.
 */
export function typedEntries(attributes: Attributes): readonly (readonly [string, Raw])[] | undefined {
  return (attributes as unknown as { [TYPED]?: readonly (readonly [string, Raw])[] })[TYPED];
}

/** `dedupe`: collapse duplicate keys, the later winning (OTTL flatten on ClickStack's log path). */
export function sortAttributes(pairs: [string, Raw][], dedupe = false): Attributes {
  const out: Attributes = new Array<[string, string]>(pairs.length);
  Object.defineProperty(out, TYPED, { value: pairs });
  for (let i = 0; i < pairs.length; i++) out[i] = [pairs[i]![0], asString(pairs[i]![1])];
  // A stable sort keeps equal keys in arrival order (kept as sent; "later wins" when deduped).
  out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  if (dedupe)
    for (let i = out.length - 1; i > 0; i--) if (out[i - 1]![0] === out[i]![0]) out.splice(i - 1, 1);
  return out;
}

/** Reads one KeyValue at the reader's current length-delimited field and appends it. */
export function pushKeyValue(reader: WireReader, into: [string, Raw][]): void {
  const { start, end } = reader.lengthDelimited();
  into.push(readKeyValue(reader.bytes, start, end));
}

export type { Raw, RawMap };
