/**
 * Hand-built OTLP requests for the differential test (bench/parity.ts): the reference's fixture cases
 * (clickstack-processing.md §2) and edge cases of the OTLP → column mapping. Written as OTLP/JSON
 * objects (hex ids; doubles "NaN"/"Infinity" as the protobuf JSON mapping allows) and encoded to
 * protobuf. Times are fixed offsets from `baseMs` (a run's start hour), inside the writer's window.
 */
import { jsonToProtobuf } from '../../schemas/otlp/codec.js';
import type { Signal } from '../../schemas/otlp/shapes.js';

export interface ParityRequest {
  readonly label: string;
  readonly signal: Signal;
  readonly body: Uint8Array;
}

type Json = Record<string, unknown>;
type Value = Json;

const s = (v: string): Value => ({ stringValue: v });
const i = (v: number | string): Value => ({ intValue: String(v) });
const d = (v: number | string): Value => ({ doubleValue: v });
const b = (v: boolean): Value => ({ boolValue: v });
const bytes = (v: Buffer): Value => ({ bytesValue: v.toString('base64') });
const arr = (...values: Value[]): Value => ({ arrayValue: { values } });
const kv = (entries: Record<string, Value>): Value => ({
  kvlistValue: { values: Object.entries(entries).map(([key, value]) => ({ key, value })) },
});
const attrs = (entries: Record<string, Value>): Json[] =>
  Object.entries(entries).map(([key, value]) => ({ key, value }));

const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';

/** Attribute values of every kind, including the awkward ones. */
function oddAttributes(): Record<string, Value> {
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

function logRecord(t: bigint, body: Value | undefined, extra: Json = {}): Json {
  return {
    timeUnixNano: String(t),
    observedTimeUnixNano: String(t + 7n),
    ...(body ? { body } : {}),
    ...extra,
  };
}

function logs(baseNs: bigint): Json {
  let n = 0n;
  const next = (): bigint => baseNs + n++ * 1_000_000n;
  const plain = (body: string, extra: Json = {}): Json => logRecord(next(), s(body), extra);
  const longLine =
    '2025-05-03T03:23:14Z [thread-1234] c.b.e.b.e.AbstractDatabaseConnectionAdapterFactor - request_id= ' +
    'the rules should only infer severity from the first part of a line, '.repeat(3).slice(0, 272 - 99) +
    ' FATAL ERROR';
  const fixtureCases: Json[] = [
    plain('{"attr":{"intValue": 1},"found":false,"message":"this should be parsed into a map"}'),
    plain('{"bodyAttr":12345,"message":"existing user attribute kept"}', {
      attributes: attrs({ userAttr: b(true) }),
    }),
    plain('should find the trailing JSON object {"found":true,"position":"trailing"}'),
    plain('{"found":true,"position":"leading"} should find the leading JSON object '),
    plain('wrapped {"found":true,"position":"wrapped"} between text'),
    logRecord(next(), kv({ message: s('otel map body'), 'user-id': s('1234'), nested: kv({ a: i(1) }) })),
    plain('[note] this is very much not JSON'),
    plain('{note} this is very much not JSON'),
    plain("this has some {Key {Value { '{' } } invalid JSON in it"),
    ...[
      'ALERT: something is wrong here',
      '[thread-123] critical: disk issue detected',
      'Emerg: action required',
      '2025-05-03T03:23:14Z [thread-1234] c.b.e.b.e.Abstract [FATAL] this error is a huge problem',
      "error: things aren't good",
      'err 00019: something went wrong',
      'app=1, notice: that things are not going well',
      'debug - checkpoint a',
      'dbug: value=1,found=false',
      'this is a trace through logic',
      'default behavior if nothing is specified',
      longLine,
      'WARNING: disk space running low',
      'ERRORS detected in application',
      'x-amz-id-2 : abc123/COuECrITmh',
      'txn_id=ab3cdErrF8x processing complete',
      'Forewarn systems check passed',
      'Request backtraced to origin',
      'mimir-alertmanager started',
      'ünïcödé ërror: ✗ emoji 🔥 warn',
    ].map((body) => plain(body)),
    plain('2025-05-03T03:23:14Z [INFO] skip: text set', { severityText: 'debug' }),
    plain('[warn] skip: number set', { severityNumber: 9 }),
    plain('{"level":"warn","msg":"hello from pino"}'),
    plain('{"Level":"Information","msg":"hello from Serilog"}'),
    plain('{"SEVERITY":"ERROR","message":"GCP-style"}'),
    plain('{"log":{"level":"fatal"},"message":"ECS-style nested log"}'),
    plain('{"level":"verbose","msg":"unknown level value"}'),
    plain('{"msg":"this had an error happen"}'),
    plain('{"level":"warn","msg":"producer wins"}', { severityText: 'info' }),
    plain('{"level": "INFO", "msg": "placing the mimir-alertmanager-dashboard"}'),
    plain('{"level":30,"msg":"pino numeric level"}'),
    plain('plain text', { attributes: attrs({ severity: s('Warning'), level: s('') }) }),
    ...[
      [1, 'TrAcE'],
      [5, 'DEBUG'],
      [9, 'InFo'],
      [13, 'warning'],
      [17, 'ERROR'],
      [21, 'CRITICAL'],
    ].map(([num, text]) => plain(`${String(text)} log message`, { severityNumber: num, severityText: text })),
  ];
  const jsonBodies: Json[] = [
    plain('{"n":1,"f":1.5,"big":1e21,"small":1e-7,"neg":-0,"z":null,"t":true,"s":"x"}'),
    plain('{"arr":[1,"two",null,{"k":"v"},[3,4]],"empty":[],"obj":{},"deep":{"a":{"b":{"c":"d"}}}}'),
    plain('{\n  "pretty": true,\n  "level": "error"\n}'),
    plain('first {"a":1}\nsecond {"b":2}'),
    plain('{"a":1} and {"b":2}'),
    plain('{"huge":1e400}'),
    plain('{"dup":"first","dup":"second"}'),
    plain('{"html":"<b>&</b>","uni":"日本 🚀","esc":"tab\\there"}'),
    plain('{"a.b":1,"a":{"c":2}}'),
    plain('carriage\r{"cr":"return"}\r'),
    plain('   '),
    logRecord(next(), arr(s('array'), i(1), kv({ k: s('v') }))),
    logRecord(next(), i(12345)),
    logRecord(next(), d(2.5)),
    logRecord(next(), d('NaN')),
    logRecord(next(), b(true)),
    logRecord(next(), bytes(Buffer.from('raw bytes ERROR'))),
    logRecord(next(), undefined),
    logRecord(next(), kv({ level: s('ERROR'), deep: kv({ x: arr(i(1)) }), html: s('<&>') })),
  ];
  const idsAndTimes: Json[] = [
    plain('ids set', { traceId: TRACE, spanId: SPAN, flags: 1, eventName: 'app.event' }),
    plain('ids empty', { traceId: '', spanId: '' }),
    plain('ids all zero', { traceId: '0'.repeat(32), spanId: '0'.repeat(16) }),
    { observedTimeUnixNano: String(next()), body: s('only observed time') },
    plain('odd attributes', { attributes: attrs(oddAttributes()), droppedAttributesCount: 3 }),
  ];
  const sessions: Json[] = [
    plain('{"type":3,"data":{"source":1}}', {
      attributes: attrs({ 'rr-web.event': i(3), 'rr-web.chunk': i(1) }),
    }),
    plain('session replay event ERROR', {
      attributes: attrs({ 'rr-web.event': s('2') }),
      severityText: 'WARN',
    }),
    plain('{"level":"error"}', { attributes: attrs({ 'rr-web.event': s(''), nested: kv({ a: i(1) }) }) }),
    plain('{"rr-web.event":"2","note":"key only in the body: not routed"}'),
    plain('map valued', { attributes: attrs({ 'rr-web.event': kv({ t: i(1) }) }) }),
    plain('empty valued', { attributes: attrs({ 'rr-web.event': {} }) }),
  ];
  return {
    resourceLogs: [
      {
        resource: { attributes: attrs({ 'service.name': s('parity-logs'), 'suite-id': s('parity') }) },
        scopeLogs: [
          { scope: {}, logRecords: fixtureCases },
          {
            scope: { name: 'json', version: '1.0', attributes: attrs({ 'scope.attr': d(0.5) }) },
            logRecords: jsonBodies,
          },
        ],
      },
      {
        resource: {
          attributes: attrs({
            'service.name': s('parity-ünï'),
            'k8s.pod.name': s('pod-1'),
            'deployment.environment.name': s('prod'),
            'res.map': kv({ b: s('2'), a: s('1') }),
          }),
        },
        schemaUrl: 'https://opentelemetry.io/schemas/1.24.0',
        scopeLogs: [
          { scope: { name: 'ids' }, schemaUrl: 'https://scope/schema', logRecords: idsAndTimes },
          { scope: { name: 'rrweb' }, logRecords: sessions },
        ],
      },
      { resource: {}, scopeLogs: [{ logRecords: [plain('no resource, no service')] }] },
    ],
  };
}

function traces(baseNs: bigint): Json {
  const span = (k: number, extra: Json): Json => ({
    traceId: TRACE,
    spanId: `00000000000000${(k + 1).toString(16).padStart(2, '0')}`,
    name: `span ${k}`,
    kind: k % 6,
    startTimeUnixNano: String(baseNs + BigInt(k) * 1_000_000n),
    endTimeUnixNano: String(baseNs + BigInt(k) * 1_000_000n + 1_500_000n),
    ...extra,
  });
  return {
    resourceSpans: [
      {
        resource: { attributes: attrs({ 'service.name': s('parity-traces'), 'rum.sessionId': s('sess-1') }) },
        scopeSpans: [
          {
            scope: { name: 'tracer', version: '2.0' },
            spans: [
              span(0, { parentSpanId: '', status: { code: 1 }, attributes: attrs({ SampleRate: s('10') }) }),
              span(1, {
                parentSpanId: '0000000000000001',
                traceState: 'vendor=a,other=b',
                status: { code: 2, message: 'boom — ✗' },
                attributes: attrs(oddAttributes()),
                events: [
                  {
                    timeUnixNano: String(baseNs + 1_100_000n),
                    name: 'exception',
                    attributes: attrs({ 'exception.message': s('x\ny') }),
                  },
                  { timeUnixNano: String(baseNs + 1_200_000n), name: '' },
                ],
                links: [
                  {
                    traceId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
                    spanId: 'bbbbbbbbbbbbbbbb',
                    traceState: 'k=v',
                    attributes: attrs({ n: i(1), m: kv({ a: d(0.25) }) }),
                  },
                  { traceId: '', spanId: '' },
                ],
              }),
              span(2, { name: 'ünïcödé 🚀 span', flags: 257 }),
              span(3, { traceId: '', spanId: '', name: 'no ids' }),
              span(4, { endTimeUnixNano: String(baseNs), name: 'ends before it starts' }),
              span(5, { name: '' }),
            ],
          },
        ],
      },
      { resource: {}, scopeSpans: [{ scope: {}, spans: [span(6, { name: 'bare' })] }] },
    ],
  };
}

function metrics(baseNs: bigint): Json {
  const t = (k: number): string => String(baseNs + BigInt(k) * 1_000_000_000n);
  const exemplars = [
    {
      timeUnixNano: t(1),
      asDouble: 1.25,
      traceId: TRACE,
      spanId: SPAN,
      filteredAttributes: attrs({ f: s('1') }),
    },
    { timeUnixNano: t(2), asInt: '7', traceId: '', spanId: '' },
  ];
  const point = (k: number, value: Json, extra: Json = {}): Json => ({
    startTimeUnixNano: t(0),
    timeUnixNano: t(k),
    attributes: attrs({ k: i(k), host: s(`h-${k % 2}`) }),
    ...value,
    ...extra,
  });
  return {
    resourceMetrics: [
      {
        resource: { attributes: attrs({ 'service.name': s('parity-metrics'), z: s('1'), a: s('2') }) },
        scopeMetrics: [
          {
            scope: {
              name: 'meter',
              version: '3',
              attributes: attrs({ sa: b(true) }),
              droppedAttributesCount: 1,
            },
            schemaUrl: 'https://scope',
            metrics: [
              {
                name: 'g',
                description: 'a gauge',
                unit: 'Cel',
                gauge: {
                  dataPoints: [
                    point(1, { asDouble: 21.5 }, { exemplars }),
                    point(2, { asInt: '-3' }),
                    point(3, { asDouble: 'NaN' }),
                    point(4, { asDouble: 'Infinity' }, { flags: 1 }),
                    point(5, { asDouble: '-Infinity' }, { attributes: attrs(oddAttributes()) }),
                    point(6, {}),
                  ],
                },
              },
              {
                name: 's',
                sum: {
                  aggregationTemporality: 1,
                  isMonotonic: true,
                  dataPoints: [point(1, { asInt: '10' }, { exemplars }), point(2, { asDouble: 0.5 })],
                },
              },
              {
                name: 's.cum',
                sum: { aggregationTemporality: 2, dataPoints: [point(1, { asDouble: -1 })] },
              },
              {
                name: 'h',
                unit: 'ms',
                histogram: {
                  aggregationTemporality: 2,
                  dataPoints: [
                    point(
                      1,
                      {
                        count: '6',
                        sum: 12.5,
                        bucketCounts: ['1', '2', '3'],
                        explicitBounds: [1, 5],
                        min: 0.5,
                        max: 9,
                      },
                      { exemplars },
                    ),
                    point(2, { count: '0', bucketCounts: [], explicitBounds: [] }),
                    point(3, { count: '1', sum: 'NaN', bucketCounts: ['1'], explicitBounds: [] }),
                  ],
                },
              },
              {
                name: 'eh',
                exponentialHistogram: {
                  aggregationTemporality: 1,
                  dataPoints: [
                    point(
                      1,
                      {
                        count: '9',
                        sum: 3.5,
                        scale: -2,
                        zeroCount: '1',
                        zeroThreshold: 0.001,
                        positive: { offset: -3, bucketCounts: ['1', '0', '4'] },
                        negative: { offset: 2, bucketCounts: ['3'] },
                        min: -8,
                        max: 16,
                      },
                      { exemplars },
                    ),
                    point(2, { count: '0', scale: 0 }),
                  ],
                },
              },
              {
                name: 'sm',
                summary: {
                  dataPoints: [
                    point(1, {
                      count: '4',
                      sum: 10,
                      quantileValues: [
                        { quantile: 0, value: 1 },
                        { quantile: 0.5, value: 2.5 },
                        { quantile: 1, value: 'Infinity' },
                      ],
                    }),
                    point(2, { count: '0', sum: 0, quantileValues: [] }),
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  };
}

export function parityRequests(baseMs: number): ParityRequest[] {
  const baseNs = BigInt(baseMs) * 1_000_000n;
  const encode = (label: string, signal: Signal, object: Json): ParityRequest => ({
    label,
    signal,
    body: jsonToProtobuf(signal, JSON.stringify(object)),
  });
  return [
    encode('edge-case logs', 'logs', logs(baseNs)),
    encode('edge-case traces', 'traces', traces(baseNs)),
    encode('edge-case metrics', 'metrics', metrics(baseNs)),
  ];
}
