/**
 * Hand-built OTLP requests for the differential test (bench/parity.ts): the reference's fixture cases
 * (clickstack-processing.md §2) and edge cases of the OTLP → column mapping. Written as OTLP/JSON
 * objects (hex ids; doubles "NaN"/"Infinity" as the protobuf JSON mapping allows) and encoded to
 * protobuf. Times are fixed offsets from `baseMs` (a run's start hour), inside the writer's window.
 */
import { decodeRequest, encodeRequest, jsonToProtobuf } from '../../schemas/otlp/codec.js';
import type { Signal } from '../../schemas/otlp/shapes.js';
import { withFiniteAttributes } from '../../test/fixtures/otlp-random.js';
import { BAD_UTF8_SERVICE } from './parity-known.js';
import { metrics, moreSignals, traces, typelessMetric } from './parity-cases-signals.js';
import {
  type Json,
  type Value,
  SPAN,
  TRACE,
  arr,
  attrs,
  b,
  bytes,
  d,
  i,
  kv,
  oddAttributes,
  s,
} from './parity-values.js';

export interface ParityRequest {
  readonly label: string;
  readonly signal: Signal;
  readonly body: Uint8Array;
  /** Seeded random records: skipped on tributary's side when the Collector refuses them. */
  readonly random?: boolean;
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

/** Second log request: duplicate keys, unicode case mapping, odd numbers and times. */
function moreLogs(baseNs: bigint): Json {
  let n = 0n;
  const next = (): bigint => baseNs + 500_000_000n + n++ * 1_000_000n;
  const plain = (body: string, extra: Json = {}): Json => logRecord(next(), s(body), extra);
  const dup = [
    { key: 'dup', value: s('first') },
    { key: 'dup', value: s('second') },
  ];
  const records: Json[] = [
    plain('duplicate keys, flat', { attributes: dup }),
    plain('duplicate keys, nested', { attributes: [...dup, { key: 'm', value: kv({ x: i(1) }) }] }),
    plain('{"dup":"json"} duplicate with JSON', { attributes: dup }),
    plain('duplicate level', {
      attributes: [
        { key: 'level', value: s('warn') },
        { key: 'level', value: s('error') },
      ],
    }),
    plain('İNFO ΣΑΣ text', { severityText: 'İNFO ΣΑΣ' }),
    plain('upper unicode level', { attributes: attrs({ level: s('ÉRROR') }) }),
    plain('level K (Kelvin sign) ſ', { attributes: attrs({ level: s('\u212a\u017f') }) }),
    plain('{"big":12345678901234567890,"neg":-1.5e-300,"exp":5e-324,"int":-0.0,"e":1E+2}'),
    plain('{"u":"\\u00e9\\ud83d\\ude80","lone":"\\ud800x","nul":"a\\u0000b"}'),
    plain('{"nested":{"level":"debug"},"Level":7}'),
    // Two JSON keys flattening to one: upstream's winner follows Go map order (random); the severity is
    // set by the producer so only LogAttributes can differ.
    plain('{"x.y":"flat","x":{"y":"nested"}}', { severityText: 'info', severityNumber: 9 }),
    plain('tab\tseparated ERROR\tvalue'),
    plain('x'.repeat(250) + ' error beyond 256 bytes?'),
    plain('é'.repeat(127) + ' error straddles'),
    plain('sev number out of range', { severityNumber: 30 }),
    plain('flags', { flags: 0xffffffff, traceId: TRACE, spanId: SPAN }),
    { timeUnixNano: '0', observedTimeUnixNano: '0', body: s('no time at all') },
    plain('event name only', { eventName: 'ünï.event' }),
    plain('bytes level', { attributes: attrs({ level: bytes(Buffer.from('error')) }) }),
    plain('double level', { attributes: attrs({ level: d(17.5), severity: b(true), Level: arr(s('x')) }) }),
  ];
  return {
    resourceLogs: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: i(7) },
            { key: 'service.name', value: s('second service name') },
            { key: 'dup.res', value: s('one') },
            { key: 'dup.res', value: s('two') },
          ],
          droppedAttributesCount: 2,
        },
        scopeLogs: [{ scope: { name: 'ünï scope', attributes: dup }, logRecords: records }],
      },
      {
        resource: { attributes: attrs({ 'service.name': arr(s('a'), s('b')) }) },
        scopeLogs: [{ logRecords: [plain('array service name'), plain('')] }],
      },
    ],
  };
}

/** Enum fields the cases set out of their range (the wire allows any int32; OTLP/JSON does not). */
const ENUM_LIMITS: Record<string, number> = { severityNumber: 24, kind: 5, code: 2 };

/**
 * OTLP/JSON → protobuf, keeping out-of-range enum values: they are zeroed for the JSON mapping and
 * written back into the decoded message before it is encoded again.
 */
function encodeWithOddEnums(signal: Signal, object: Json): Uint8Array {
  const odd: { path: (string | number)[]; value: number }[] = [];
  const walk = (value: unknown, path: (string | number)[]): unknown => {
    if (Array.isArray(value)) return value.map((v, k) => walk(v, [...path, k]));
    if (value === null || typeof value !== 'object') return value;
    const out: Json = {};
    for (const [key, v] of Object.entries(value as Json)) {
      const limit = ENUM_LIMITS[key];
      if (limit !== undefined && typeof v === 'number' && v > limit) {
        odd.push({ path: [...path, key], value: v });
        out[key] = 0;
      } else out[key] = walk(v, [...path, key]);
    }
    return out;
  };
  const body = jsonToProtobuf(signal, JSON.stringify(walk(object, [])));
  if (odd.length === 0) return body;
  const message = decodeRequest(signal, body);
  for (const { path, value } of odd) {
    let at = message as Record<string | number, unknown>;
    for (const step of path.slice(0, -1)) at = at[step] as Record<string | number, unknown>;
    at[path[path.length - 1]!] = value;
  }
  return encodeRequest(signal, message);
}

/**
 * A log record with invalid UTF-8 in a string (protobuf requires valid UTF-8 there): `ÿþ` is encoded,
 * then its bytes c3 bf c3 be are replaced by ff fe ff fe.
 */
function invalidUtf8(): Uint8Array {
  // Only the Collector stores it: a time over a year back keeps its row out of the compared rollup buckets.
  const record = logRecord(1_704_067_200_000_000_000n, s('bad \u00ff\u00fe utf8'));
  const object = {
    resourceLogs: [
      {
        resource: { attributes: attrs({ 'service.name': s(BAD_UTF8_SERVICE) }) },
        scopeLogs: [{ logRecords: [record] }],
      },
    ],
  };
  const bytes = Buffer.from(jsonToProtobuf('logs', JSON.stringify(object)));
  const at = bytes.indexOf(Buffer.from('\u00ff\u00fe'));
  bytes.set([0xff, 0xfe, 0xff, 0xfe], at);
  return bytes;
}

export function parityRequests(baseMs: number, options: { finiteVariants?: boolean } = {}): ParityRequest[] {
  const baseNs = BigInt(baseMs) * 1_000_000n;
  const encode = (label: string, signal: Signal, object: Json): ParityRequest => ({
    label,
    signal,
    body: encodeWithOddEnums(signal, object),
  });
  // The variant only when it differs: an identical request would be stored twice by tributary and
  // once by the exporter (its identical blocks deduplicated by hash under migrate's dedup window).
  const variants = (label: string, signal: Signal, object: Json): ParityRequest[] => {
    const finite = withFiniteAttributes(object) as Json;
    return options.finiteVariants && JSON.stringify(finite) !== JSON.stringify(object)
      ? [encode(label, signal, object), encode(`${label} (finite attributes)`, signal, finite)]
      : [encode(label, signal, object)];
  };
  return [
    ...variants('edge-case logs', 'logs', logs(baseNs)),
    ...variants('edge-case traces', 'traces', traces(baseNs)),
    encode('edge-case metrics', 'metrics', metrics(baseNs)),
    ...variants('more edge-case logs', 'logs', moreLogs(baseNs)),
    ...variants('more edge-case traces', 'traces', moreSignals(baseNs).traces),
    encode('more edge-case metrics', 'metrics', moreSignals(baseNs).metrics),
    encode('a typeless metric', 'metrics', typelessMetric(baseNs)),
    { label: 'invalid UTF-8', signal: 'logs', body: invalidUtf8() },
  ];
}
