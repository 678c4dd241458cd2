/** The writer section of the bench's markdown report (bench/lib/writer-summary.ts makes the figures). */
import { tableMarkdown } from './report.js';
import type { RowCheck } from './writer-drain.js';
import type { SystemSummary } from './writer-summary.js';

interface WriterSummary {
  rounds: number;
  expected: number;
  system: string;
  ceiling: { rowsPerSecond: number; bytesSentPerRow: number };
  compression: string;
  systems: SystemSummary[];
  ratios: {
    against: string;
    steadyRowsPerSecond: number;
    rowsPerCpuSecond: number;
    bytesSentPerRow: number;
  }[];
  skipped: Record<string, string>;
  rowCheck: { equal: boolean; complete: boolean; rounds: Record<string, RowCheck>[] };
}

/** The writer section of the bench's markdown report. */
export function writerMarkdown(result: Record<string, unknown>): string[] {
  const w = result as unknown as WriterSummary;
  const mib = (bytes: number): number => bytes / 2 ** 20;
  const table = tableMarkdown(
    [
      'system',
      'steady rows/s',
      'rows per CPU-s (from readiness)',
      'CPU-s per M rows (incl. start)',
      'peak RSS MiB',
      'bytes sent to ClickHouse per row',
      '÷ raw insert rows/s',
    ],
    [
      ...w.systems.map((s) => [
        s.system,
        s.steadyRowsPerSecond,
        s.rowsPerCpuSecond,
        s.cpuSecondsPerMillionRows,
        mib(s.peakRssBytes),
        s.bytesSentPerRow,
        `${s.overCeiling.toFixed(2)}×`,
      ]),
      ...Object.entries(w.skipped).map(([system, why]) => [
        `${system} writer`,
        `skipped (${why})`,
        '',
        '',
        '',
        '',
        '',
      ]),
      [
        'raw insert (ceiling, uncompressed RowBinary)',
        w.ceiling.rowsPerSecond,
        '',
        '',
        '',
        w.ceiling.bytesSentPerRow,
        '1.00×',
      ],
    ],
  );
  const last = w.rowCheck.rounds.at(-1) ?? {};
  return [
    `Medians of ${w.rounds} round(s) (each writer in turn, fresh databases each, the same ${w.expected} rows); peak RSS is the largest of the rounds; CPU of the process that writes ClickHouse only (ClickHouse excluded); bytes counted by a TCP proxy between the writer and ClickHouse, from readiness to the last row (HTTP headers and state queries included).`,
    '',
    table,
    '',
    w.compression,
    '',
    ...w.ratios.map(
      (r) =>
        `${w.system} ÷ ${r.against}: ${r.steadyRowsPerSecond.toFixed(2)}× rows/s, ${r.rowsPerCpuSecond.toFixed(2)}× rows per CPU-s, ${r.bytesSentPerRow.toFixed(2)}× bytes per row (medians of per-round ratios).`,
    ),
    '',
    'What each pipeline does and guarantees:',
    '',
    ...w.systems.map((s) => `- **${s.system}**: ${s.pipeline}. Guarantees: ${s.guarantees}.`),
    '',
    `Row check (sanity): ${w.rowCheck.equal ? 'equal' : 'DIFFERENT'} count() and uniqExact(SpanId) across writers in every round, ${w.rowCheck.complete ? 'all' : 'NOT all'} ${w.expected} rows; last round ${Object.entries(
      last,
    )
      .map(([system, c]) => `${system} ${c.rows}/${c.spanIds}`)
      .join(', ')}.`,
  ];
}
