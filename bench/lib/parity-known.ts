/**
 * Differences from the Collector that are understood and chosen (docs/schema.md, "Differences from the
 * Collector"): the differential test counts a column difference matching one of these as explained.
 * Each test looks at the column's values as compared (maps as [key, value] pair arrays).
 */
export interface KnownDifference {
  readonly id: string;
  readonly columns: readonly string[];
  /** `row`, `rowB`: the whole rows on tributary's and the Collector's side. */
  readonly test: (
    a: unknown,
    b: unknown,
    row: Record<string, unknown>,
    rowB: Record<string, unknown>,
  ) => boolean;
}

/** The keys a JSON value flattens to (`.`-joined paths), as group A3 makes them. */
function flatKeys(value: unknown, prefix: string, into: string[]): void {
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value)
      ? value.map((v, k) => [String(k), v] as const)
      : Object.entries(value);
    for (const [k, v] of entries) flatKeys(v, prefix ? `${prefix}.${k}` : k, into);
  } else into.push(prefix);
}

/** A string body whose JSON object has two paths flattening to the same key. */
function bodyKeysCollide(row: Record<string, unknown>): boolean {
  const body = typeof row['Body'] === 'string' ? row['Body'] : '';
  const [from, to] = [body.indexOf('{'), body.lastIndexOf('}')];
  if (from < 0 || to < from) return false;
  try {
    const keys: string[] = [];
    flatKeys(JSON.parse(body.slice(from, to + 1)) as unknown, '', keys);
    return new Set(keys).size !== keys.length;
  } catch {
    return false;
  }
}

type Pairs = [string, string][];
const isPairs = (v: unknown): v is Pairs =>
  Array.isArray(v) && v.every((e) => Array.isArray(e) && e.length === 2);
const sortedText = (pairs: Pairs): string =>
  JSON.stringify([...pairs].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
/** A time the writer clamps (time 0, the uint64 limit read as int64 -1, …): outside 2000–2100. */
const outsideWindow = (v: unknown): boolean => {
  const year = Number(String(v).slice(0, 4));
  return year < 2000 || year > 2100;
};
/** The row's time columns, any of them outside the window. */
const rowClamped = (row: Record<string, unknown>): boolean =>
  ['Timestamp', 'TimeUnix', 'StartTimeUnix'].some((c) => c in row && outsideWindow(row[c]));
const ZERO_ID = /^0+$/;

/** contrib's flatten writes an array directly inside an array without a dot: `k.0.1` → `k.01`. */
function collectorArrayKey(key: string): string {
  let out = key;
  for (let prev = ''; prev !== out;) {
    prev = out;
    out = out.replace(/(\.\d+)\.(\d+)(?=\.|$)/, '$1$2');
  }
  return out;
}

/**
 * The [path, value] leaves of JSON text, keys repeated as they come: toJSONString of a JSON column
 * can repeat a key (paths "" and ".0.0" both start with the key ""), which JSON.parse would merge.
 */
function textLeaves(text: string): [string, string][] | undefined {
  const out: [string, string][] = [];
  let at = 0;
  const space = (): void => {
    while (at < text.length && ' \t\n\r'.includes(text[at]!)) at++;
  };
  const stringEnd = (from: number): number => {
    let i = from + 1;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    return i + 1;
  };
  /** Past the value at `at` (any JSON value), returning its text. */
  const skipValue = (): string => {
    const from = at;
    if (text[at] === '"') at = stringEnd(at);
    else if (text[at] === '{' || text[at] === '[') {
      let depth = 0;
      do {
        if (text[at] === '"') {
          at = stringEnd(at);
          continue;
        }
        if (text[at] === '{' || text[at] === '[') depth++;
        else if (text[at] === '}' || text[at] === ']') depth--;
        at++;
      } while (depth > 0 && at < text.length);
    } else while (at < text.length && !',}] \n'.includes(text[at]!)) at++;
    return text.slice(from, at);
  };
  /** `prefix`: the object's own path, undefined for the root (a key "" still adds a segment below it). */
  const object = (prefix: string | undefined): void => {
    at++; // {
    space();
    while (text[at] !== '}') {
      const keyEnd = stringEnd(at);
      const key = JSON.parse(text.slice(at, keyEnd)) as string;
      at = keyEnd;
      space();
      at++; // :
      space();
      const path = prefix === undefined ? key : `${prefix}.${key}`;
      if (text[at] === '{') object(path);
      else out.push([path, skipValue()]);
      space();
      if (text[at] === ',') at++;
      space();
      if (at >= text.length) throw new Error('unterminated object');
    }
    at++; // }
  };
  try {
    space();
    if (text[at] !== '{') return undefined;
    object(undefined);
    return out;
  } catch {
    return undefined;
  }
}

/**
 * The [path, value] leaves of a JSON column as compared (its JSON text, or the path → type object of
 * `<column>:types`), or of a keys column (an array of paths): undefined for anything else.
 */
function jsonLeaves(value: unknown): [string, string][] | undefined {
  if (Array.isArray(value) && value.every((k) => typeof k === 'string')) return value.map((k) => [k, '']);
  return typeof value === 'string' ? textLeaves(value) : undefined;
}

export const KNOWN_DIFFERENCES: readonly KnownDifference[] = [
  {
    id: 'array-in-array keys (k.0.0 vs k.00)',
    columns: ['LogAttributes'],
    test: (a, b) =>
      isPairs(a) &&
      isPairs(b) &&
      sortedText(a.map(([k, v]) => [collectorArrayKey(k), v] as [string, string])) === sortedText(b),
  },
  {
    id: 'array-in-array keys (k.0.0 vs k.00), JSON paths',
    columns: ['LogAttributes', 'LogAttributes:types', 'LogAttributesKeys'],
    test: (a, b) => {
      const [la, lb] = [jsonLeaves(a), jsonLeaves(b)];
      return (
        la !== undefined &&
        lb !== undefined &&
        sortedText(la.map(([k, v]) => [collectorArrayKey(k), v] as [string, string])) === sortedText(lb)
      );
    },
  },
  {
    id: 'JSON keys flattening to one key (Go map order upstream)',
    columns: ['LogAttributes', 'LogAttributes:types', 'LogAttributesKeys'],
    test: (_a, _b, row) => bodyKeysCollide(row),
  },
  {
    id: 'exemplar without ids ("" vs zeros)',
    columns: ['Exemplars.TraceId', 'Exemplars.SpanId'],
    test: (a, b) =>
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((x, k) => x === b[k] || (x === '' && ZERO_ID.test(String(b[k])))),
  },
  {
    id: 'span ending before it starts (Duration 0 vs wrapped uint64)',
    columns: ['Duration'],
    test: (a, b, _row, rowB) => a === '0' && BigInt(String(b)) >= 1n << 63n && !rowClamped(rowB),
  },
  {
    id: 'time outside 2000-2100 (clamped vs stored; 0 → 1970, uint64 max → 1969)',
    columns: ['Timestamp', 'Start', 'End', 'TimeUnix', 'StartTimeUnix', 'Events.Timestamp', 'TimestampTime'],
    test: (a, b) =>
      Array.isArray(a) && Array.isArray(b)
        ? a.length === b.length && a.every((x, k) => x === b[k] || outsideWindow(b[k]))
        : outsideWindow(b),
  },
  {
    id: 'exemplar time beyond DateTime (2106): wrapped modulo 2^32 vs int64 -1 s',
    columns: ['Exemplars.TimeUnix'],
    test: (a, b) =>
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((x, k) => x === b[k] || b[k] === '2106-02-07 06:28:15'),
  },
  {
    id: 'duration of a span with a clamped time',
    columns: ['Duration'],
    test: (_a, _b, _row, rowB) => rowClamped(rowB),
  },
];

/** The id of the known difference this column difference is, if any. */
export function knownDifference(
  column: string,
  a: unknown,
  b: unknown,
  row: Record<string, unknown>,
  rowB: Record<string, unknown>,
): string | undefined {
  return KNOWN_DIFFERENCES.find((k) => k.columns.includes(column) && k.test(a, b, row, rowB))?.id;
}

/** Metric name of the valid point sent beside a typeless metric: the Collector refuses that request. */
export const BESIDE_TYPELESS = 'beside a typeless metric';

/** Service name of the request carrying invalid UTF-8: tributary's receiver refuses it (400). */
export const BAD_UTF8_SERVICE = 'parity-bad-utf8';

/** The id of the known difference an unpaired row is, if any. */
export function knownUnpaired(side: 'A' | 'B', row: Record<string, unknown>): string | undefined {
  if (side === 'B' && row['ServiceName'] === BAD_UTF8_SERVICE) return 'invalid UTF-8 (refused vs stored)';
  if (side === 'A' && row['MetricName'] === BESIDE_TYPELESS)
    return 'request with a typeless metric (written vs refused)';
  return undefined;
}
