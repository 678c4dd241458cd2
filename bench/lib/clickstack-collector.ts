/**
 * The ClickStack collector's pipeline rebuilt on a stock Collector, for the row-by-row differential
 * test (bench/parity.ts). Written from the facts in clickstack-processing.md §1 (not from ClickStack's
 * config file):
 *
 * - logs: otlp → routing on the record attribute `rr-web.event` (present → sessions pipeline, else
 *   default) → sessions pipeline: exporter with logs table `hyperdx_sessions`, no processing;
 *   default pipeline: transform (groups A–D) → exporter into `otel_logs`;
 * - traces and metrics: otlp → exporter.
 *
 * Routing is the routing connector where the Go module proxy serves it (v0.149.0); for the newer
 * versions (v0.155.0, ClickStack 2.36's; v0.165.1, the newest exporter) both log pipelines take the
 * receiver's records and filter processors keep each its own: a transform marks the records the
 * connector's condition matches (an error leaves them unmarked: the default route, as the connector's
 * `error_mode: ignore`), the default pipeline drops the marked ones, the sessions pipeline the others
 * and then removes the mark (the last attribute, so the map is as received).
 *
 * No memory_limiter and no batch processor: they do not change rows, and without them (and without a
 * sending queue) the receiver answers 200 only once the exporter's INSERT succeeded.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { fromRoot } from '../../core/paths.js';
import { SYNCHRONOUS_EXPORT, localClickHouseExporter } from './collector.js';

/** The Collector builds the differential test runs against. */
export const CLICKSTACK_COLLECTORS = {
  '0.149': { dir: 'clickstack', version: 'v0.149.0', routing: 'connector' },
  '0.155': { dir: 'clickstack-0.155', version: 'v0.155.0', routing: 'filter' },
  '0.165': { dir: 'clickstack-0.165', version: 'v0.165.1', routing: 'filter' },
} as const;
export type ClickStackCollector = keyof typeof CLICKSTACK_COLLECTORS;

const OUTPUT: Record<ClickStackCollector, string> = {
  '0.149': 'otelcol-clickstack',
  '0.155': 'otelcol-clickstack-0.155',
  '0.165': 'otelcol-clickstack-0.165',
};

export function clickstackBuilder(which: ClickStackCollector): string {
  return fromRoot('bench', 'collector', CLICKSTACK_COLLECTORS[which].dir, 'builder.yaml');
}

export function clickstackBinary(which: ClickStackCollector): string {
  return fromRoot('.tributary', OUTPUT[which], 'otelcol-clickstack');
}

/** Built, and from the current builder file (build.sh writes the stamp next to the binary). */
export function clickstackCollectorBuilt(which: ClickStackCollector): boolean {
  const stamp = fromRoot('.tributary', OUTPUT[which], 'builder.yaml.sha256');
  if (!existsSync(clickstackBinary(which)) || !existsSync(stamp)) return false;
  const want = createHash('sha256')
    .update(readFileSync(clickstackBuilder(which)))
    .digest('hex');
  return readFileSync(stamp, 'utf8').trim() === want;
}

/** The attributes group B promotes to SeverityText, in order (§1.4 B1). */
const LEVEL_KEYS = ['level', 'Level', 'LEVEL', 'severity', 'Severity', 'SEVERITY', 'log.level'];
/** §1.4 B2: case-insensitive substring classes, applied in order (the last match wins). */
const TEXT_CLASSES: [string, number][] = [
  ['alert|crit|emerg|fatal', 21],
  ['error|err', 17],
  ['warn|notice', 13],
  ['info', 9],
  ['debug|dbug', 5],
  ['trace', 1],
];
/** §1.5 C4: the body keyword found → canonical text and number. */
const KEYWORDS: [string, string, number][] = [
  ['alert|crit|emerg|fatal', 'fatal', 21],
  ['error|err', 'error', 17],
  ['warn|notice', 'warn', 13],
  ['debug|dbug', 'debug', 5],
  ['trace', 'trace', 1],
];

const quote = (s: string): string => JSON.stringify(s);
/** One YAML list item holding an OTTL statement (YAML single quotes: OTTL strings use double quotes). */
const item = (statement: string, indent: string): string => `${indent}- '${statement.replaceAll("'", "''")}'`;

function transformGroups(): string[] {
  const unset = 'log.severity_number == 0 and log.severity_text == ""';
  const group = (conditions: string[], statements: string[]): string[] => [
    '      - context: log',
    '        error_mode: ignore',
    ...(conditions.length ? ['        conditions:', ...conditions.map((c) => item(c, '          '))] : []),
    '        statements:',
    ...statements.map((s) => item(s, '          ')),
  ];
  // A: the JSON object found in a string body (first `{` to the last `}` of that line), merged into the
  // attributes; then all attributes flattened; then a map body's entries merged (not flattened).
  const a = group(
    [],
    [
      'merge_maps(log.cache, ExtractPatterns(log.body, "(?P<0>(\\\\{.*\\\\}))"), "upsert") where IsString(log.body)',
      'merge_maps(log.attributes, ParseJSON(log.cache["0"]), "upsert") where IsMap(log.cache)',
      'flatten(log.attributes) where IsMap(log.cache)',
      'merge_maps(log.attributes, log.body, "upsert") where IsMap(log.body)',
    ],
  );
  // B: the first non-empty string level attribute becomes the text; its number from the classes.
  const b = group(
    [unset],
    [
      ...LEVEL_KEYS.map((key) => {
        const attr = `log.attributes[${quote(key)}]`;
        return `set(log.severity_text, ${attr}) where log.severity_text == "" and IsString(${attr}) and ${attr} != ""`;
      }),
      ...TEXT_CLASSES.map(
        ([words, n]) =>
          `set(log.severity_number, ${n}) where log.severity_text != "" and IsMatch(log.severity_text, "(?i)(${words})")`,
      ),
      'set(log.severity_number, 9) where log.severity_text != "" and log.severity_number == 0',
    ],
  );
  // C: the leftmost keyword starting a word in the body's first 256 bytes, else info/9.
  const keywordPattern = `(?i)\\\\b(?P<kw>${KEYWORDS.map(([w]) => w).join('|')})`;
  const c = group(
    [unset],
    [
      'set(log.cache["text"], log.body.string)',
      'set(log.cache["text"], Substring(log.cache["text"], 0, 256)) where Len(log.cache["text"]) > 256',
      `merge_maps(log.cache, ExtractPatterns(log.cache["text"], "${keywordPattern}"), "upsert")`,
      ...KEYWORDS.flatMap(([words, text, n]) => [
        `set(log.severity_text, ${quote(text)}) where IsMatch(log.cache["kw"], "(?i)^(${words})$")`,
        `set(log.severity_number, ${n}) where IsMatch(log.cache["kw"], "(?i)^(${words})$")`,
      ]),
      'set(log.severity_number, 9) where log.severity_text == ""',
      'set(log.severity_text, "info") where log.severity_text == ""',
    ],
  );
  // D: the text always lower-cased.
  const d = group([], ['set(log.severity_text, ConvertCase(log.severity_text, "lower"))']);
  return [...a, ...b, ...c, ...d];
}

export interface ClickStackCollectorOptions {
  readonly clickhouseUrl: string;
  readonly database: string;
  readonly httpPort: number;
  readonly routing: 'connector' | 'filter';
  /**
   * The exporter's `json: true` (ClickStack's JSON mode): JSON attribute columns, the tables created
   * by the exporter itself (`create_schema: true`), as ClickStack's JSON mode does.
   */
  readonly json?: boolean;
}

/** The routing connector's condition: the record's own attribute `rr-web.event`, any value. */
const SESSION_CONDITION = 'IsMatch(log.attributes["rr-web.event"], ".*")';
const ROUTE_MARK = 'tributary.parity.route';

export function clickstackCollectorConfig(options: ClickStackCollectorOptions): string {
  const exporter = (name: string, extra: string[]): string[] =>
    localClickHouseExporter(
      name,
      options,
      [...SYNCHRONOUS_EXPORT, ...(options.json ? ['    json: true'] : []), ...extra],
      options.json === true,
    );
  const mark = `log.attributes[${quote(ROUTE_MARK)}]`;
  const routing =
    options.routing === 'connector'
      ? {
          connectors: [
            'connectors:',
            '  routing/logs:',
            '    default_pipelines: [logs/out-default]',
            '    error_mode: ignore',
            '    table:',
            '      - context: log',
            `        condition: '${SESSION_CONDITION}'`,
            '        pipelines: [logs/out-rrweb]',
          ],
          processors: [] as string[],
          pipelines: [
            '    logs/in: { receivers: [otlp], exporters: [routing/logs] }',
            '    logs/out-default: { receivers: [routing/logs], processors: [transform], exporters: [clickhouse] }',
            '    logs/out-rrweb: { receivers: [routing/logs], exporters: [clickhouse/rrweb] }',
          ],
        }
      : {
          connectors: [],
          processors: [
            '  transform/route-mark:',
            '    error_mode: ignore',
            '    log_statements:',
            '      - context: log',
            '        statements:',
            item(`set(${mark}, "rrweb") where ${SESSION_CONDITION}`, '          '),
            '  filter/route-default:',
            '    error_mode: ignore',
            '    logs:',
            '      log_record:',
            item(`${mark} == "rrweb"`, '        '),
            '  filter/route-rrweb:',
            '    error_mode: ignore',
            '    logs:',
            '      log_record:',
            item(`${mark} == nil`, '        '),
            '  transform/route-unmark:',
            '    error_mode: ignore',
            '    log_statements:',
            '      - context: log',
            '        statements:',
            item(`delete_key(log.attributes, ${quote(ROUTE_MARK)})`, '          '),
          ],
          pipelines: [
            '    logs/out-default: { receivers: [otlp], processors: [transform/route-mark, filter/route-default, transform], exporters: [clickhouse] }',
            '    logs/out-rrweb: { receivers: [otlp], processors: [transform/route-mark, filter/route-rrweb, transform/route-unmark], exporters: [clickhouse/rrweb] }',
          ],
        };
  return (
    [
      'receivers:',
      '  otlp:',
      '    protocols:',
      `      http: { endpoint: "127.0.0.1:${options.httpPort}" }`,
      ...routing.connectors,
      'processors:',
      '  transform:',
      '    error_mode: ignore',
      '    log_statements:',
      ...transformGroups(),
      ...routing.processors,
      'exporters:',
      ...exporter('clickhouse', []),
      ...exporter('clickhouse/rrweb', ['    logs_table_name: hyperdx_sessions']),
      'service:',
      '  telemetry: { logs: { level: warn }, metrics: { level: none } }',
      '  pipelines:',
      '    traces: { receivers: [otlp], exporters: [clickhouse] }',
      '    metrics: { receivers: [otlp], exporters: [clickhouse] }',
      ...routing.pipelines,
    ].join('\n') + '\n'
  );
}
