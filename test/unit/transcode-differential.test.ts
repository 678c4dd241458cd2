/**
 * Differential test of writer/transcode against the old path (decodeRecord + each column's encoder,
 * test/fixtures/transcode-oracle.ts): byte-identical RowBinary for every (table, day), on the load
 * fixtures and on generated records with every AnyValue kind, unicode, invalid UTF-8, byte-order
 * marks, empty and zero ids, NaN/Inf, events, links, exemplars, all five metric kinds, session
 * replays; on variant table shapes; with a clamp; under ClickStack log processing and without; session
 * routing; and on corrupted records
 * (both paths throw, and the transcoder leaves its sinks as they were). FUZZ_CASES scales the count.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TABLES } from '../../schemas/ddl.js';
import { type Signal, jsonToProtobuf } from '../../schemas/otlp/codec.js';
import { decodeRecord } from '../../writer/decode/index.js';
import type { TableShape } from '../../writer/schema.js';
import { PROVIDED_COLUMNS, type TimeClamp, transcodeRecord } from '../../writer/transcode/index.js';
import { generateLogs, generateMetrics, generateTraces, seededRandom } from '../fixtures/generate.js';
import { DAY_NS, SIGNALS, generated } from '../fixtures/otlp-random.js';
import { ddlColumns, ddlShapes, shapeOf } from '../fixtures/shapes.js';
import { type OracleOptions, Sinks, oraclePath } from '../fixtures/transcode-oracle.js';

const CASES = Number(process.env['FUZZ_CASES'] ?? 300);
const SHAPES = ddlShapes((table) => PROVIDED_COLUMNS[table] ?? new Set());

interface Options extends OracleOptions {
  readonly shapes?: ReadonlyMap<string, TableShape>;
  readonly clamp?: TimeClamp;
}

/** Runs both paths; asserts equal bytes per sink and equal row counts. Returns the oracle's row count. */
function same(signal: Signal, bytes: Uint8Array, options: Options = {}, label = ''): number {
  const shapes = options.shapes ?? SHAPES;
  const expected = new Sinks();
  let rows = 0;
  const oracleSink = (table: string, day: number) => {
    rows++;
    return expected.sinkFor(table, day);
  };
  oraclePath(signal, bytes, shapes, oracleSink, options);
  const actual = new Sinks();
  const counts = transcodeRecord(signal, bytes, {
    shapes,
    sinkFor: actual.sinkFor,
    clamp: options.clamp,
    logProcessing: options.logProcessing,
  });
  assert.deepEqual(actual.snapshot(), expected.snapshot(), `${signal} ${label}`);
  let counted = 0;
  for (const days of counts.values()) for (const n of days.values()) counted += n;
  assert.equal(counted, rows, `${signal} ${label}: row counts`);
  return rows;
}

/** Whether the 8 bytes at w are a NaN (exponent all ones, mantissa not zero). */
function nanAt(b: Buffer, w: number): boolean {
  if (w < 0 || w + 8 > b.length) return false;
  const value = b.readDoubleLE(w);
  return Number.isNaN(value);
}

/**
 * As same(), but a byte may differ inside an 8-byte NaN on both sides: corrupt bytes can make a
 * signaling NaN, which the old path's number round trip quiets or not depending on V8's tier, while
 * the transcoder copies the bytes as sent.
 */
function sameUpToNaNPayloads(signal: Signal, bytes: Uint8Array, label: string): void {
  const expected = new Sinks();
  oraclePath(signal, bytes, SHAPES, expected.sinkFor);
  const actual = new Sinks();
  transcodeRecord(signal, bytes, { shapes: SHAPES, sinkFor: actual.sinkFor });
  assert.deepEqual([...actual.writers.keys()].sort(), [...expected.writers.keys()].sort(), label);
  for (const [key, writer] of expected.writers) {
    const a = actual.writers.get(key)!.bytes();
    const b = writer.bytes();
    assert.equal(a.length, b.length, `${label} ${key}`);
    for (let i = 0; i < a.length; i++) {
      if (a[i] === b[i]) continue;
      let nan = false;
      for (let w = i - 7; w <= i && !nan; w++) nan = nanAt(a, w) && nanAt(b, w);
      assert.ok(nan, `${label} ${key}: byte ${i} differs outside a NaN`);
    }
  }
}

// ---------- tests ----------

test('the load fixtures transcode to the same bytes as decode + encode, for every table', () => {
  for (const seed of [1, 2, 3]) {
    const shape = { seed, resources: 2, scopesPerResource: 2, itemsPerScope: 10 };
    assert.ok(same('traces', generateTraces(shape)) > 0);
    assert.ok(same('logs', generateLogs(shape)) > 0);
    assert.ok(same('metrics', generateMetrics(shape)) > 0);
  }
});

test('generated records with every value kind, unicode, bad UTF-8, zero ids, NaN/Inf: same bytes', () => {
  const tables = new Set<string>();
  for (const signal of SIGNALS)
    for (let seed = 1; seed <= CASES; seed++) {
      const bytes = generated(signal, seed);
      same(signal, bytes, {}, `seed ${seed}`);
      for (const [table, rows] of decodeRecord(signal, bytes)) if (rows.length > 0) tables.add(table);
    }
  // Every table the writer inserts into was exercised (the MV target is ClickHouse's).
  for (const table of Object.values(TABLES))
    if (table !== TABLES.traceIdTs) assert.ok(tables.has(table), table);
});

test('PROVIDED_COLUMNS are exactly the columns the decoded rows carry', () => {
  for (const signal of SIGNALS)
    for (let seed = 1; seed <= 40; seed++)
      for (const [table, rows] of decodeRecord(signal, generated(signal, seed)))
        for (const row of rows) assert.deepEqual(new Set(Object.keys(row)), PROVIDED_COLUMNS[table], table);
});

/** Shapes with columns dropped, extra columns no row provides, and other types for provided ones. */
function variantShapes(): Map<string, TableShape>[] {
  const columns = ddlColumns();
  const plain = (table: string) =>
    columns
      .get(table)!
      .filter(
        (c) => c.defaultKind === '' || (c.defaultKind === 'DEFAULT' && PROVIDED_COLUMNS[table]!.has(c.name)),
      );
  const build = (
    edit: (table: string, cols: { name: string; type: string }[]) => { name: string; type: string }[],
  ) => {
    const out = new Map<string, TableShape>();
    for (const table of SHAPES.keys()) out.set(table, shapeOf(table, edit(table, plain(table))));
    return out;
  };
  const retype: Record<string, string> = {
    TimeUnix: 'DateTime64(9)', // ClickStack's own metric tables
    StartTimeUnix: 'DateTime64(9)',
    'Exemplars.TimeUnix': 'Array(DateTime64(9))',
    Timestamp: 'DateTime64(3)',
    'Events.Timestamp': "Array(DateTime('UTC'))",
    Flags: 'UInt8',
    TraceFlags: 'UInt32',
    SeverityNumber: 'Int32',
    Duration: 'Int64',
    Count: 'Float64',
    IsMonotonic: 'UInt8',
    AggregationTemporality: 'UInt8',
    ResourceAttributes: 'Map(String, String)',
    SpanAttributes: 'Map(String, String)',
    ScopeDroppedAttrCount: 'UInt64',
  };
  return [
    // every other column dropped, and extra columns with defaults
    build((_t, cols) => [
      ...cols.filter((_c, i) => i % 2 === 0),
      { name: 'Extra', type: 'String' },
      { name: 'ExtraList', type: 'Array(UInt64)' },
      { name: 'ExtraMap', type: 'Map(LowCardinality(String), String)' },
    ]),
    // reversed column order, other (compatible) types
    build((_t, cols) => [...cols].reverse().map((c) => ({ name: c.name, type: retype[c.name] ?? c.type }))),
    // a type the fast path does not write (FixedString ids): the whole table goes the decoder's way
    build((_t, cols) =>
      cols.map((c) => (c.name === 'SpanId' ? { name: c.name, type: 'FixedString(16)' } : c)),
    ),
  ];
}

test('variant table shapes (missing, extra, reordered and retyped columns): same bytes', () => {
  for (const [v, shapes] of variantShapes().entries())
    for (const signal of SIGNALS)
      for (let seed = 1; seed <= Math.ceil(CASES / 3); seed++)
        same(signal, generated(signal, seed), { shapes }, `variant ${v} seed ${seed}`);
});

test('a clamp sees the partition time only; the day follows the clamped partition time', () => {
  const keepFromNs = 20_000n * DAY_NS - 5n;
  const keepToNs = 20_000n * DAY_NS + 10n ** 12n;
  let calls = 0;
  const clampNs = (ns: bigint): bigint => {
    calls++;
    return ns < keepFromNs ? keepFromNs : ns > keepToNs ? keepToNs - 1n : ns;
  };
  for (const signal of SIGNALS)
    for (let seed = 1; seed <= Math.ceil(CASES / 3); seed++) {
      const bytes = generated(signal, seed);
      same(signal, bytes, { clampNs, clamp: { clampNs, keepFromNs, keepToNs } }, `window seed ${seed}`);
      same(signal, bytes, { clampNs, clamp: { clampNs } }, `no window seed ${seed}`);
    }
  assert.ok(calls > 0);
});

test('log processing (ClickStack rules, and none): same bytes; the rules change some records, sessions never', () => {
  let changed = 0;
  for (let seed = 1; seed <= CASES; seed++) {
    const bytes = generated('logs', seed);
    same('logs', bytes, { logProcessing: 'clickstack' }, `clickstack seed ${seed}`);
    same('logs', bytes, { logProcessing: 'none' }, `none seed ${seed}`);
    const a = new Sinks();
    const b = new Sinks();
    oraclePath('logs', bytes, SHAPES, a.sinkFor, { logProcessing: 'clickstack' });
    oraclePath('logs', bytes, SHAPES, b.sinkFor, { logProcessing: 'none' });
    if (JSON.stringify(a.snapshot()) !== JSON.stringify(b.snapshot())) changed++;
  }
  assert.ok(changed > 0, 'the generated records exercise the rules');
});

test('session routing as route.ts: the first rr-web.event attribute decides, by having a value; a byte-order mark makes another key', () => {
  const record = (attributes: unknown[]): Uint8Array =>
    jsonToProtobuf(
      'logs',
      JSON.stringify({
        resourceLogs: [
          {
            scopeLogs: [
              {
                logRecords: [
                  {
                    timeUnixNano: '1795000000000000000',
                    severityText: 'INFO',
                    body: { stringValue: 'x' },
                    attributes,
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
  const cases: [string, unknown[], boolean][] = [
    ['string value', [{ key: 'rr-web.event', value: { stringValue: 'full-snapshot' } }], true],
    ['int value', [{ key: 'rr-web.event', value: { intValue: '2' } }], true],
    ['empty value', [{ key: 'rr-web.event', value: {} }], false],
    ['no value', [{ key: 'rr-web.event' }], false],
    [
      'first empty, second set',
      [
        { key: 'rr-web.event', value: {} },
        { key: 'rr-web.event', value: { stringValue: 'a' } },
      ],
      false,
    ],
    ['byte-order mark', [{ key: '\uFEFFrr-web.event', value: { stringValue: 'a' } }], false],
    ['double', [{ key: 'rr-web.event', value: { doubleValue: 2.5 } }], true],
    ['double +Inf (JSON refuses it)', [{ key: 'rr-web.event', value: { doubleValue: 'Infinity' } }], false],
    [
      'map holding NaN',
      [
        {
          key: 'rr-web.event',
          value: { kvlistValue: { values: [{ key: 'a', value: { doubleValue: 'NaN' } }] } },
        },
      ],
      false,
    ],
    ['array', [{ key: 'rr-web.event', value: { arrayValue: { values: [{ intValue: '1' }] } } }], true],
    ['other key', [{ key: 'rr-web.events', value: { stringValue: 'a' } }], false],
  ];
  for (const [label, attributes, session] of cases) {
    const bytes = record(attributes);
    same('logs', bytes, {}, label);
    const tables = [...decodeRecord('logs', bytes).keys()];
    assert.deepEqual(tables, [session ? TABLES.sessions : TABLES.logs], label);
  }
});

test('corrupted records: both paths throw, or both write the same bytes; a throw leaves the sinks as they were', () => {
  let threw = 0;
  for (const signal of SIGNALS)
    for (let seed = 1; seed <= CASES; seed++) {
      const r = seededRandom(seed * 7919);
      const bytes = Buffer.from(generated(signal, seed));
      if (bytes.length === 0) continue;
      const mutated = r() < 0.3 ? bytes.subarray(0, Math.floor(r() * bytes.length)) : Buffer.from(bytes);
      for (let i = 0; i < 1 + Math.floor(r() * 3); i++)
        mutated[Math.floor(r() * mutated.length)] = Math.floor(r() * 256);
      let oldError: unknown;
      try {
        decodeRecord(signal, mutated);
      } catch (err) {
        oldError = err;
      }
      if (oldError === undefined) {
        sameUpToNaNPayloads(signal, mutated, `mutated seed ${seed}`);
        continue;
      }
      threw++;
      const sinks = new Sinks();
      transcodeRecord('traces', generated('traces', 1), { shapes: SHAPES, sinkFor: sinks.sinkFor });
      const before = sinks.snapshot();
      assert.throws(
        () => transcodeRecord(signal, mutated, { shapes: SHAPES, sinkFor: sinks.sinkFor }),
        new RegExp(`^Error: invalid OTLP ${signal} protobuf`),
        `${signal} mutated seed ${seed}: the old path said ${oldError instanceof Error ? oldError.message : 'a non-Error'}`,
      );
      assert.deepEqual(sinks.snapshot(), before);
    }
  assert.ok(threw > 0);
});
