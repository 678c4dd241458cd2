/**
 * Our own fixtures, written from the ClickStack smoke-test cases restated in
 * shared/reference/clickstack-processing.md §2 (auto-parse, severity-inference,
 * normalize-severity, rrweb-routing). Each case is one log record as OTLP/JSON would carry it and
 * the LogAttributes and severity the ClickStack collector stores for it. Attributes marked
 * "derived" in the reference follow from its rules; the smoke tests assert the others.
 */

/** An OTLP/JSON AnyValue. */
export type JsonAnyValue =
  | { stringValue: string }
  | { intValue: string }
  | { doubleValue: number }
  | { boolValue: boolean }
  | { bytesValue: string }
  | { arrayValue: { values: JsonAnyValue[] } }
  | { kvlistValue: { values: { key: string; value: JsonAnyValue }[] } }
  | Record<string, never>;

export interface SmokeCase {
  readonly name: string;
  readonly body: JsonAnyValue;
  readonly attributes?: readonly { key: string; value: JsonAnyValue }[];
  readonly severityText?: string;
  readonly severityNumber?: number;
  /** Expected LogAttributes (sorted by key); omitted = not checked. */
  readonly logAttributes?: Record<string, string>;
  readonly severity: readonly [text: string, number: number];
  /** Expected table; otel_logs unless noted. */
  readonly table?: 'otel_logs' | 'hyperdx_sessions';
}

const s = (text: string): JsonAnyValue => ({ stringValue: text });

const LONG_INFO =
  '2025-05-03T03:23:14Z [thread-1234] c.b.e.b.e.AbstractDatabaseConnectionAdapterFactor - request_id= the rules should only infer ' +
  'severity from the first part of the line, so this long message pads itself out well past that limit by a fair margin before it ' +
  'mentions words like FATAL or ERROR';

export const AUTO_PARSE: readonly SmokeCase[] = [
  {
    name: 'json-string #0: nested object flattened, bool and string kept',
    body: s('{"attr":{"intValue": 1},"found":false,"message":"this should be parsed into a map"}'),
    logAttributes: { 'attr.intValue': '1', found: 'false', message: 'this should be parsed into a map' },
    severity: ['info', 9],
  },
  {
    name: 'json-string #1: a producer attribute survives next to the JSON keys',
    body: s('{"bodyAttr":12345,"message":"this has an existing user attribute that should be preserved."}'),
    attributes: [{ key: 'userAttr', value: { boolValue: true } }],
    logAttributes: {
      bodyAttr: '12345',
      message: 'this has an existing user attribute that should be preserved.',
      userAttr: 'true',
    },
    severity: ['info', 9],
  },
  {
    name: 'json-string #2: trailing object',
    body: s('should find the trailing JSON object {"found":true,"position":"trailing"}'),
    logAttributes: { found: 'true', position: 'trailing' },
    severity: ['info', 9],
  },
  {
    name: 'json-string #3: leading object',
    body: s('{"found":true,"position":"leading"} should find the leading JSON object '),
    logAttributes: { found: 'true', position: 'leading' },
    severity: ['info', 9],
  },
  {
    name: 'json-string #4: wrapped object',
    body: s('should find a wrapped JSON object {"found":true,"position":"wrapped"} between text'),
    logAttributes: { found: 'true', position: 'wrapped' },
    severity: ['info', 9],
  },
  {
    name: 'otel-map #0: a kvlist body extends the attributes',
    body: {
      kvlistValue: {
        values: [
          { key: 'message', value: s('data sent as OTEL map should also extend the log attributes') },
          { key: 'user-id', value: s('1234') },
          { key: 'account-id', value: s('550e8400-e29b-41d4-a716-446655440000') },
        ],
      },
    },
    logAttributes: {
      'account-id': '550e8400-e29b-41d4-a716-446655440000',
      message: 'data sent as OTEL map should also extend the log attributes',
      'user-id': '1234',
    },
    severity: ['info', 9],
  },
  {
    name: 'default #0: starts with an array char',
    body: s('[note] this is very much not JSON even though it starts with an array char'),
    logAttributes: {},
    severity: ['info', 9],
  },
  {
    name: 'default #1: {note} does not parse',
    body: s('{note} this is very much not JSON even though it starts with an object char'),
    logAttributes: {},
    severity: ['info', 9],
  },
  {
    name: 'default #2: plain text',
    body: s('NOTE: this is very much not JSON'),
    logAttributes: {},
    severity: ['info', 9],
  },
  {
    name: 'default #3: nested braces that are not JSON',
    body: s("this has some {Key {Value { '{' } } invalid JSON in it"),
    logAttributes: {},
    severity: ['info', 9],
  },
];

const inferred = (name: string, body: string, text: string, number: number): SmokeCase => ({
  name,
  body: s(body),
  logAttributes: {},
  severity: [text, number],
});

export const SEVERITY_INFERENCE: readonly SmokeCase[] = [
  inferred('infer-fatal #0', 'ALERT: something is wrong here', 'fatal', 21),
  inferred('infer-fatal #1', '[thread-123] critical: disk issue detected', 'fatal', 21),
  inferred('infer-fatal #2', 'Emerg: action required', 'fatal', 21),
  inferred(
    'infer-fatal #3: leftmost keyword wins',
    '2025-05-03T03:23:14Z [thread-1234] c.b.e.b.e.AbstractDatabaseConnectionAdapterFactor [FATAL] this error is a huge problem',
    'fatal',
    21,
  ),
  inferred('infer-error #0', "error: things aren't good", 'error', 17),
  inferred('infer-error #1', 'err 00019: something went wrong', 'error', 17),
  inferred('infer-warn #0', 'app=1, notice: that things are not going well', 'warn', 13),
  inferred('infer-warn #1', 'warn: something something', 'warn', 13),
  inferred('infer-debug #0', 'debug - checkpoint a', 'debug', 5),
  inferred('infer-debug #1', 'dbug: value=1,found=false', 'debug', 5),
  inferred('infer-trace', 'this is a trace through logic', 'trace', 1),
  inferred('infer-info #0', 'default behavior if nothing is specified', 'info', 9),
  inferred('infer-info #1: keywords beyond 256 bytes', LONG_INFO, 'info', 9),
  inferred('infer-superstring #0', 'WARNING: disk space running low', 'warn', 13),
  inferred('infer-superstring #1', 'CRITICAL: database connection pool exhausted', 'fatal', 21),
  inferred('infer-superstring #2', 'EMERGENCY: system failure imminent', 'fatal', 21),
  inferred('infer-superstring #3', 'ALERTING system engaged', 'fatal', 21),
  inferred('infer-superstring #4', 'ERRORS detected in application', 'error', 17),
  inferred('infer-superstring #5', 'NOTICED unusual activity in request handler', 'warn', 13),
  inferred('infer-superstring #6', 'DEBUGGING enabled for module', 'debug', 5),
  inferred('infer-superstring #7', 'TRACED request path through gateway', 'trace', 1),
  inferred('no-infer-substring #0', 'x-amz-id-2 : abc123/COuECrITmh', 'info', 9),
  inferred('no-infer-substring #1', 'txn_id=ab3cdErrF8x processing complete', 'info', 9),
  inferred('no-infer-substring #2', 'Forewarn systems check passed', 'info', 9),
  inferred('no-infer-substring #3', 'Request backtraced to origin', 'info', 9),
  {
    name: 'skip-infer #0: producer text set, number 0',
    body: s('2025-05-03T03:23:14Z [INFO] this should skip because the severity_text is already set'),
    severityText: 'debug',
    severityNumber: 0,
    logAttributes: {},
    severity: ['debug', 0],
  },
  {
    name: 'skip-infer #1: producer number set, no text',
    body: s("[warn] this should also be skipped because a severity_number was set even if it's missing text"),
    severityNumber: 9,
    logAttributes: {},
    severity: ['', 9],
  },
  {
    name: 'from-json-level',
    body: s('{"level":"warn","msg":"hello from pino"}'),
    logAttributes: { level: 'warn', msg: 'hello from pino' },
    severity: ['warn', 13],
  },
  {
    name: 'from-json-level-pascalcase',
    body: s('{"Level":"Information","msg":"hello from Serilog"}'),
    logAttributes: { Level: 'Information', msg: 'hello from Serilog' },
    severity: ['information', 9],
  },
  {
    name: 'from-json-severity-uppercase',
    body: s('{"SEVERITY":"ERROR","message":"GCP-style structured log"}'),
    logAttributes: { SEVERITY: 'ERROR', message: 'GCP-style structured log' },
    severity: ['error', 17],
  },
  {
    name: 'from-json-ecs-log-level: via the flattened log.level',
    body: s('{"log":{"level":"fatal"},"message":"ECS-style nested log"}'),
    logAttributes: { 'log.level': 'fatal', message: 'ECS-style nested log' },
    severity: ['fatal', 21],
  },
  {
    name: 'from-json-level-unknown: B3 fallback',
    body: s('{"level":"verbose","msg":"unknown level value"}'),
    logAttributes: { level: 'verbose', msg: 'unknown level value' },
    severity: ['verbose', 9],
  },
  {
    name: 'from-json-no-level: C scans the raw body',
    body: s('{"msg":"this had an error happen"}'),
    logAttributes: { msg: 'this had an error happen' },
    severity: ['error', 17],
  },
  {
    name: 'from-json-level-producer-wins',
    body: s('{"level":"warn","msg":"producer-set severity must win over the JSON level field"}'),
    severityText: 'info',
    severityNumber: 0,
    logAttributes: { level: 'warn', msg: 'producer-set severity must win over the JSON level field' },
    severity: ['info', 0],
  },
  {
    name: 'from-json-level-body-keyword-conflict: B wins over the body keyword',
    body: s(
      '{"time": "2026-05-27T16:11:46.789392+00:00", "level": "INFO", "msg": "Found a folder override annotation, placing the mimir-alertmanager-dashboard in: /tmp/dashboards/Mimir Dashboards"}',
    ),
    logAttributes: {
      level: 'INFO',
      msg: 'Found a folder override annotation, placing the mimir-alertmanager-dashboard in: /tmp/dashboards/Mimir Dashboards',
      time: '2026-05-27T16:11:46.789392+00:00',
    },
    severity: ['info', 9],
  },
];

const TEXT_CASES: readonly [number, readonly string[]][] = [
  [1, ['TrAcE', 'trace', 'TRACE']],
  [5, ['DeBuG', 'debug', 'DEBUG']],
  [9, ['InFo', 'info', 'INFO']],
  [13, ['WaRn', 'warn', 'WARN', 'warning', 'WARNING']],
  [17, ['ErRoR', 'error', 'ERROR']],
  [21, ['FaTaL', 'fatal', 'FATAL', 'critical', 'CRITICAL']],
];

/** normalize-severity/text-case: 22 records, text lower-cased, never canonicalised; numbers kept. */
export const NORMALIZE_SEVERITY: readonly SmokeCase[] = TEXT_CASES.flatMap(([number, texts]) =>
  texts.map((text): SmokeCase => ({
    name: `text-case ${text}/${number}`,
    body: s(`${text.toLowerCase()} log message`),
    severityText: text,
    severityNumber: number,
    logAttributes: {},
    severity: [text.toLowerCase(), number],
  })),
);

export const RRWEB_ROUTING: readonly SmokeCase[] = [
  {
    name: 'route-to-sessions #0: rr-web.event as a string, stored untouched',
    body: s('session replay event'),
    attributes: [{ key: 'rr-web.event', value: s('2') }],
    logAttributes: { 'rr-web.event': '2' },
    severity: ['', 0],
    table: 'hyperdx_sessions',
  },
  {
    name: 'route-to-sessions #1: an ordinary log stays in otel_logs',
    body: s('ordinary application log'),
    attributes: [{ key: 'request.id', value: s('req-789') }],
    logAttributes: { 'request.id': 'req-789' },
    severity: ['info', 9],
  },
];

export const ALL_SMOKE_CASES: readonly SmokeCase[] = [
  ...AUTO_PARSE,
  ...SEVERITY_INFERENCE,
  ...NORMALIZE_SEVERITY,
  ...RRWEB_ROUTING,
];
