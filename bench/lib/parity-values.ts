/** OTLP/JSON value builders and awkward attribute sets for the differential test's cases. */

export type Json = Record<string, unknown>;
export type Value = Json;

export const s = (v: string): Value => ({ stringValue: v });
export const i = (v: number | string): Value => ({ intValue: String(v) });
export const d = (v: number | string): Value => ({ doubleValue: v });
export const b = (v: boolean): Value => ({ boolValue: v });
export const bytes = (v: Buffer): Value => ({ bytesValue: v.toString('base64') });
export const arr = (...values: Value[]): Value => ({ arrayValue: { values } });
export const kv = (entries: Record<string, Value>): Value => ({
  kvlistValue: { values: Object.entries(entries).map(([key, value]) => ({ key, value })) },
});
export const attrs = (entries: Record<string, Value>): Json[] =>
  Object.entries(entries).map(([key, value]) => ({ key, value }));

export const TRACE = '5b8efff798038103d269b633813fc60c';
export const SPAN = 'eee19b7ec3c1b174';

/** Attribute values of every kind, including the awkward ones. */
export function oddAttributes(): Record<string, Value> {
  return {
    str: s('plain'),
    'unicode.ключ': s('naïve café — 日本語 🚀👩‍👩‍👧'),
    empty: s(''),
    int: i(-42),
    'int.max': i('9223372036854775807'),
    bool: b(false),
    'double.frac': d(0.1),
    'double.int': d(3),
    'double.small': d(1e-7),
    'double.big': d(1e21),
    'double.negzero': d(-0),
    'double.nan': d('NaN'),
    'double.inf': d('Infinity'),
    'double.-inf': d('-Infinity'),
    bytes: bytes(Buffer.from([0, 1, 2, 250, 255])),
    list: arr(s('a'), i(1), d(1.5), b(true)),
    'list.empty': arr(),
    'list.nested': arr(arr(i(1), i(2)), kv({ k: s('v') })),
    map: kv({ z: s('last'), a: i(1), m: kv({ deep: s('x') }) }),
    'map.empty': kv({}),
    html: kv({ tag: s('<b>&amp;</b>') }),
    valueless: {},
  };
}
