/** The writer section of the bench's markdown report (bench/lib/writer-bench.ts makes the figures). */
import { tableMarkdown } from './report.js';
import type { RowCheck } from './writer-bench.js';

interface WriterSummary {
  rounds: number;
  steadyRowsPerSecond: number;
  steadyRowsPerWriterCpuSecond: number;
  cpuSecondsPerMillionRows: number;
  peakRssBytes: number;
  overCeiling: number;
  ceiling: { rowsPerSecond: number };
  collector?: {
    pipeline: string;
    steadyRowsPerSecond: number;
    rowsPerCpuSecond: number;
    cpuSecondsPerMillionRows: number;
    peakRssBytes: number;
    overCeiling: number;
  };
  overCollector?: { steadyRowsPerSecond: number; rowsPerCpuSecond: number };
  collectorSkipped?: string;
  rowCheck: { equal: boolean; rounds: { tributary: RowCheck; collector?: RowCheck }[] };
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
      '÷ raw insert rows/s',
    ],
    [
      [
        'tributary writer',
        w.steadyRowsPerSecond,
        w.steadyRowsPerWriterCpuSecond,
        w.cpuSecondsPerMillionRows,
        mib(w.peakRssBytes),
        `${w.overCeiling.toFixed(2)}×`,
      ],
      w.collector
        ? [
            'collector writer',
            w.collector.steadyRowsPerSecond,
            w.collector.rowsPerCpuSecond,
            w.collector.cpuSecondsPerMillionRows,
            mib(w.collector.peakRssBytes),
            `${w.collector.overCeiling.toFixed(2)}×`,
          ]
        : ['collector writer', `skipped (${w.collectorSkipped ?? '?'})`, '', '', '', ''],
      ['raw insert (ceiling)', w.ceiling.rowsPerSecond, '', '', '', '1.00×'],
    ],
  );
  const last = w.rowCheck.rounds.at(-1);
  return [
    `Medians of ${w.rounds} round(s) (tributary, Collector, raw insert in turn, fresh databases each); peak RSS is the largest of the rounds; CPU of the writing process only (ClickHouse excluded).`,
    '',
    table,
    '',
    ...(w.collector && w.overCollector
      ? [
          `Collector pipeline: ${w.collector.pipeline}.`,
          '',
          `tributary ÷ collector: ${w.overCollector.steadyRowsPerSecond.toFixed(2)}× rows/s, ${w.overCollector.rowsPerCpuSecond.toFixed(2)}× rows per CPU-s (medians of per-round ratios).`,
          '',
          `Row check (sanity): ${w.rowCheck.equal ? 'equal' : 'DIFFERENT'} count() and uniqExact(SpanId) in every round; last round tributary ${last?.tributary.rows}/${last?.tributary.spanIds}, collector ${last?.collector?.rows}/${last?.collector?.spanIds}.`,
        ]
      : []),
  ];
}
