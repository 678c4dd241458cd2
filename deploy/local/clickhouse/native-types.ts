/**
 * ClickHouse type names, as the Native format writes them in each column header, reduced to what a
 * reader needs to step over that column's data: fixed widths, length-prefixed strings and the
 * composite layouts (Nullable, Array, Tuple, LowCardinality). Part of the Native block walker
 * (native-blocks.ts): hand-written because no npm library reads Native column layouts by type
 * (@clickhouse/client reads text formats and RowBinary only).
 */
import { typeArguments } from '../../../schemas/type-arguments.js';
import { EngineError } from './engine.js';

export type NativeType =
  | { readonly kind: 'fixed'; readonly width: number }
  | { readonly kind: 'string' }
  | { readonly kind: 'nullable'; readonly inner: NativeType }
  | { readonly kind: 'array'; readonly inner: NativeType }
  | { readonly kind: 'tuple'; readonly elements: readonly NativeType[] }
  /** `dictionary` is the keys' type: the inner type without Nullable. */
  | { readonly kind: 'lowCardinality'; readonly dictionary: NativeType };

const FIXED_WIDTHS: Readonly<Record<string, number>> = {
  UInt8: 1,
  Int8: 1,
  Bool: 1,
  Enum8: 1,
  // ColumnNothing writes one byte per row.
  Nothing: 1,
  UInt16: 2,
  Int16: 2,
  Date: 2,
  Enum16: 2,
  BFloat16: 2,
  UInt32: 4,
  Int32: 4,
  Float32: 4,
  DateTime: 4,
  Date32: 4,
  IPv4: 4,
  Time: 4,
  Decimal32: 4,
  UInt64: 8,
  Int64: 8,
  Float64: 8,
  DateTime64: 8,
  Time64: 8,
  Decimal64: 8,
  UInt128: 16,
  Int128: 16,
  UUID: 16,
  IPv6: 16,
  Decimal128: 16,
  UInt256: 32,
  Int256: 32,
  Decimal256: 32,
};

const POINT: NativeType = {
  kind: 'tuple',
  elements: [
    { kind: 'fixed', width: 8 },
    { kind: 'fixed', width: 8 },
  ],
};
const arrayOf = (inner: NativeType, depth: number): NativeType =>
  depth === 0 ? inner : arrayOf({ kind: 'array', inner }, depth - 1);
const GEO_DEPTH: Readonly<Record<string, number>> = {
  Point: 0,
  Ring: 1,
  LineString: 1,
  Polygon: 2,
  MultiLineString: 2,
  MultiPolygon: 3,
};

export class NativeTypeError extends EngineError {
  constructor(message: string) {
    super(message, 50, 'UNKNOWN_TYPE');
    this.name = 'NativeTypeError';
  }
}

/** A named tuple element ("name Type" or "`odd name` Type") without its name. */
function withoutElementName(element: string): string {
  const quoted = /^(`(?:[^`\\]|\\.)*`|"(?:[^"\\]|\\.)*")\s+/.exec(element);
  if (quoted) return element.slice(quoted[0].length);
  const plain = /^[A-Za-z_][A-Za-z0-9_.]*\s+(?=[A-Za-z_])/.exec(element);
  return plain ? element.slice(plain[0].length) : element;
}

function parseElement(element: string): NativeType {
  const bare = withoutElementName(element);
  return parseNativeType(bare === element ? element : bare);
}

function decimalWidth(args: readonly string[]): number {
  const precision = Number(args[0]);
  if (!Number.isInteger(precision) || precision < 1 || precision > 76)
    throw new NativeTypeError(`Decimal precision ${args[0]} is out of range`);
  return precision <= 9 ? 4 : precision <= 18 ? 8 : precision <= 38 ? 16 : 32;
}

/** Parses one type name as the server writes it in a Native column header. */
export function parseNativeType(typeName: string): NativeType {
  const text = typeName.trim();
  const open = text.indexOf('(');
  const name = open < 0 ? text : text.slice(0, open).trim();
  if (open >= 0 && !text.endsWith(')')) throw new NativeTypeError(`Cannot parse the type ${text}`);
  const args = open < 0 ? [] : typeArguments(text.slice(open + 1, -1));
  const only = (): string => {
    if (args.length !== 1) throw new NativeTypeError(`${name} takes one argument in ${text}`);
    return args[0]!;
  };
  const fixed = FIXED_WIDTHS[name];
  if (fixed !== undefined) return { kind: 'fixed', width: fixed };
  if (name.startsWith('Interval')) return { kind: 'fixed', width: 8 };
  if (name in GEO_DEPTH) return arrayOf(POINT, GEO_DEPTH[name]!);
  switch (name) {
    case 'String':
      return { kind: 'string' };
    case 'FixedString': {
      const width = Number(only());
      if (!Number.isInteger(width) || width < 1) throw new NativeTypeError(`Bad FixedString in ${text}`);
      return { kind: 'fixed', width };
    }
    case 'Decimal':
      return { kind: 'fixed', width: decimalWidth(args) };
    case 'Nullable':
      return { kind: 'nullable', inner: parseNativeType(only()) };
    case 'Array':
      return { kind: 'array', inner: parseNativeType(only()) };
    case 'Tuple':
      // An empty tuple is written as one placeholder byte per row, like Nothing.
      if (args.length === 0) return { kind: 'fixed', width: 1 };
      return { kind: 'tuple', elements: args.map(parseElement) };
    case 'Nested':
      return { kind: 'array', inner: { kind: 'tuple', elements: args.map(parseElement) } };
    case 'Map': {
      if (args.length !== 2) throw new NativeTypeError(`Map takes two arguments in ${text}`);
      return {
        kind: 'array',
        inner: { kind: 'tuple', elements: [parseNativeType(args[0]!), parseNativeType(args[1]!)] },
      };
    }
    case 'LowCardinality': {
      const inner = parseNativeType(only());
      return { kind: 'lowCardinality', dictionary: inner.kind === 'nullable' ? inner.inner : inner };
    }
    case 'SimpleAggregateFunction': {
      if (args.length < 2) throw new NativeTypeError(`Cannot parse the type ${text}`);
      return parseNativeType(args[args.length - 1]!);
    }
    default:
      // Variant, Dynamic, JSON, Object and AggregateFunction states have layouts of their own.
      throw new NativeTypeError(
        `the local server cannot re-frame Native columns of type ${text} for this client (supported: numbers, dates, UUID, IP, Enum, Decimal, strings, Nullable, Array, Map, Tuple, Nested, LowCardinality)`,
      );
  }
}
