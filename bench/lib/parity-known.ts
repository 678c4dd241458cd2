/**
 * Differences from the Collector that are understood and chosen (docs/schema.md, "Differences from the
 * Collector"): the differential test counts a column difference matching one of these as explained.
 * Each test looks at the column's values as compared (maps as [key, value] pair arrays).
 */
export interface KnownDifference {
  readonly id: string;
  readonly columns: readonly string[];
  readonly test: (a: unknown, b: unknown) => boolean;
}

type Pairs = [string, string][];
const isPairs = (v: unknown): v is Pairs =>
  Array.isArray(v) && v.every((e) => Array.isArray(e) && e.length === 2);
const sortedText = (pairs: Pairs): string =>
  JSON.stringify([...pairs].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
const EPOCH = /^1970-01-01 00:00:00(\.0+)?$/;
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
    test: (a, b) => a === '0' && BigInt(String(b)) >= 1n << 63n,
  },
  {
    id: 'time 0 (clamped vs 1970)',
    columns: ['Timestamp', 'Start', 'End', 'TimeUnix', 'StartTimeUnix', 'Events.Timestamp'],
    test: (a, b) =>
      Array.isArray(a) && Array.isArray(b)
        ? a.length === b.length && a.every((x, k) => x === b[k] || EPOCH.test(String(b[k])))
        : EPOCH.test(String(b)),
  },
];

/** The id of the known difference this column difference is, if any. */
export function knownDifference(column: string, a: unknown, b: unknown): string | undefined {
  return KNOWN_DIFFERENCES.find((k) => k.columns.includes(column) && k.test(a, b))?.id;
}

/** Metric name of the valid point sent beside a typeless metric: the Collector refuses that request. */
export const BESIDE_TYPELESS = 'beside a typeless metric';

/** The id of the known difference an unpaired row is, if any. */
export function knownUnpaired(side: 'A' | 'B', row: Record<string, unknown>): string | undefined {
  if (side === 'A' && row['MetricName'] === BESIDE_TYPELESS)
    return 'request with a typeless metric (written vs refused)';
  return undefined;
}
