/** The Markdown report of the differential test (bench/parity.ts). */
import { CLICKSTACK_COLLECTORS, type ClickStackCollector } from './clickstack-collector.js';
import type { TableResult } from './parity-compare.js';

export interface Deferred {
  readonly label: string;
  readonly collector: number;
  readonly tributary: number;
  /** Rows tributary wrote for it, per table. */
  readonly rows: Record<string, number>;
}

export interface ReportContext {
  readonly collector: ClickStackCollector;
  readonly version: string;
  readonly attributes: 'map' | 'json';
  /** `empty`, or the older layout both databases were upgraded from. */
  readonly from: string;
}

export function report(
  context: ReportContext,
  results: TableResult[],
  layouts: Record<string, string[]>,
  deferred: Deferred[],
  meta: Record<string, unknown>,
): string {
  const { collector: COLLECTOR, version: VERSION, attributes: ATTRIBUTES, from } = context;
  const json = ATTRIBUTES === 'json';
  const lines = [
    `# Differential test against the Collector ${VERSION}${json ? ', JSON attributes' : ''}` +
      `${from === 'empty' ? '' : `, upgraded from ${from}`} (${String(meta['date'])})`,
    '',
    `\`npm run parity -- --collector ${COLLECTOR} --attributes ${ATTRIBUTES}${from === 'empty' ? '' : ` --from ${from}`}\`: ` +
      `the same ${String(meta['requests'])} OTLP ` +
      'requests into tributary (A, receiver → Kafka → writer, `writer.logProcessing: clickstack`) and into the ' +
      `OpenTelemetry Collector ${VERSION} built as the ClickStack collector (B, otlp → ` +
      `${CLICKSTACK_COLLECTORS[COLLECTOR].routing === 'connector' ? 'routing connector' : 'routing by filter processors'} → ` +
      'transform → clickhouseexporter' +
      (json
        ? ', `json: true`, tables created by the exporter itself and then migrated by tributary; A made by ' +
          '`tributary migrate --schema-attributes json`)'
        : ', `create_schema: false`; both databases made by `tributary migrate`' +
          (from === 'empty' ? ')' : `, over tables as ${from} created them)`)) +
      ' on the local ClickHouse server. Columns compared: all but ALIAS ones (JSON columns as their JSON text and, ' +
      "apart, their paths' types); the view-fed tables in their read form (trace id min/max, rollup `sum(count)`). " +
      'Differences and what was done about each: docs/schema.md, "Differences from the Collector".',
    '',
    '| table | rows A | rows B | identical | differing (explained) | only A | only B | unexplained | known differences (rows) |',
    '|---|---|---|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.table} | ${r.rowsA} | ${r.rowsB} | ${r.identical} | ${r.differing} (${r.explained}) | ${r.onlyA} | ${r.onlyB} | ` +
        `**${r.unexplained}** | ${Object.entries(r.known)
          .map(([c, n]) => `${c} (${n})`)
          .join('; ')} |`,
    ),
    '',
    'Layouts (columns of A and B, by name and type): ' +
      (Object.values(layouts).every((d) => d.length === 0)
        ? 'the same in every table.'
        : Object.entries(layouts)
            .filter(([, d]) => d.length > 0)
            .map(([t, d]) => `${t}: ${d.join('; ')}`)
            .join(' · ')),
    '',
    '| request | tributary | Collector |',
    '|---|---|---|',
    ...(meta['statuses'] as [string, number, number][]).map(
      ([label, a, b]) => `| ${label} | ${a === 0 ? 'not sent' : a} | ${b} |`,
    ),
  ];
  if (deferred.length > 0)
    lines.push(
      '',
      'Requests the Collector refused, sent to tributary after the comparison:',
      '',
      '| request | Collector | tributary | rows tributary wrote |',
      '|---|---|---|---|',
      ...deferred.map(
        (d) =>
          `| ${d.label} | ${d.collector} | ${d.tributary} | ${Object.entries(d.rows)
            .filter(([, n]) => n > 0)
            .map(([t, n]) => `${t} ${n}`)
            .join(', ')} |`,
      ),
    );
  for (const r of results.filter((x) => x.examples.length || x.unpaired.length)) {
    lines.push('', `## ${r.table}`, '');
    for (const example of r.examples.slice(0, 4))
      for (const diff of example.diffs)
        lines.push(
          `- \`${diff.column}\`${diff.orderOnly ? ' (entry order only)' : ''}${diff.known ? ` (known: ${diff.known})` : ''}: A \`${JSON.stringify(diff.a)}\` / B \`${JSON.stringify(diff.b)}\``,
        );
    for (const u of r.unpaired.slice(0, 4))
      lines.push(`- only in ${u.side}${u.known ? ` (known: ${u.known})` : ''}: \`${u.row.slice(0, 400)}\``);
  }
  return lines.join('\n') + '\n';
}
