/**
 * Micro-benchmark of the writer's record → RowBinary step, per signal: the old path (decodeRecord +
 * each column's encoder, routed per day as the transcoder routes) against writer/transcode, on the
 * same seeded records and table shapes (from the DDL), in the same process. Prints rows per CPU-second
 * of each, medians of ROUNDS rounds (≥ 3), and checks once that both wrote the same bytes.
 *
 *   node dist/bench/transcode.js [traces|logs|metrics ...]   (env ROUNDS=5 RECORDS=200 ITEMS=100)
 *
 * Profile a path with: node --cpu-prof dist/bench/transcode.js traces   (ONLY=old|new to run one)
 */
import { generateLogs, generateMetrics, generateTraces } from '../test/fixtures/generate.js';
import { ddlShapes } from '../test/fixtures/shapes.js';
import { Sinks, oraclePath } from '../test/fixtures/transcode-oracle.js';
import type { Signal } from '../schemas/otlp/codec.js';
import { PROVIDED_COLUMNS, transcodeRecord } from '../writer/transcode/index.js';

const ROUNDS = Math.max(3, Number(process.env['ROUNDS'] ?? 5));
const RECORDS = Number(process.env['RECORDS'] ?? 200);
/** Items per record (spans, log records; metrics: data points = 10 per metric). */
const ITEMS = Number(process.env['ITEMS'] ?? 100);
const ONLY = process.env['ONLY'] ?? '';
/** Each path runs over the records this many times per round, so a round takes ~0.3-1 s. */
const PASSES = Number(process.env['PASSES'] ?? 5);

const shapes = ddlShapes((table) => PROVIDED_COLUMNS[table] ?? new Set());

function records(signal: Signal): Uint8Array[] {
  return Array.from({ length: RECORDS }, (_, i) => {
    const shape = { seed: i + 1, resources: 2, scopesPerResource: 2 };
    if (signal === 'traces') return generateTraces({ ...shape, itemsPerScope: ITEMS / 4 });
    if (signal === 'logs') return generateLogs({ ...shape, itemsPerScope: ITEMS / 4 });
    return generateMetrics({ ...shape, itemsPerScope: Math.max(1, ITEMS / 40) });
  });
}

type Path = (signal: Signal, bytes: Uint8Array, sinks: Sinks) => number;

const oldPath: Path = (signal, bytes, sinks) => {
  let rows = 0;
  oraclePath(signal, bytes, shapes, (table, day) => {
    rows++;
    return sinks.sinkFor(table, day);
  });
  return rows;
};

const newPath: Path = (signal, bytes, sinks) => {
  let rows = 0;
  for (const days of transcodeRecord(signal, bytes, { shapes, sinkFor: sinks.sinkFor }).values())
    for (const n of days.values()) rows += n;
  return rows;
};

/** Rows per CPU-second of one round. */
function round(signal: Signal, input: Uint8Array[], path: Path, sinks: Sinks): number {
  const before = process.cpuUsage();
  let rows = 0;
  for (let pass = 0; pass < PASSES; pass++) {
    for (const writer of sinks.writers.values()) writer.length = 0;
    for (const bytes of input) rows += path(signal, bytes, sinks);
  }
  const used = process.cpuUsage(before);
  return rows / ((used.user + used.system) / 1e6);
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const signals = (
  process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['traces', 'logs', 'metrics']
) as Signal[];
console.log(
  `records of ${ITEMS} items, ${RECORDS} records × ${PASSES} passes per round, median of ${ROUNDS} rounds`,
);
console.log('signal   | old rows/CPU-s | new rows/CPU-s | new ÷ old | per-round ratios (median)');
for (const signal of signals) {
  const input = records(signal);
  const oldSinks = new Sinks();
  const newSinks = new Sinks();
  for (const bytes of input) {
    oldPath(signal, bytes, oldSinks);
    newPath(signal, bytes, newSinks);
  }
  if (JSON.stringify(oldSinks.snapshot()) !== JSON.stringify(newSinks.snapshot()))
    throw new Error(`${signal}: the two paths wrote different bytes`);
  const olds: number[] = [];
  const news: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    if (ONLY !== 'new') olds.push(round(signal, input, oldPath, oldSinks));
    if (ONLY !== 'old') news.push(round(signal, input, newPath, newSinks));
  }
  const o = olds.length > 0 ? median(olds) : NaN;
  const n = news.length > 0 ? median(news) : NaN;
  // Old and new run back to back in each round, so a round's ratio is less exposed to the load of
  // other processes on the machine than the ratio of the two medians.
  const ratios = news.length === olds.length ? olds.map((old, i) => news[i]! / old) : [NaN];
  console.log(
    `${signal.padEnd(8)} | ${Math.round(o).toLocaleString('en').padStart(14)} | ${Math.round(n).toLocaleString('en').padStart(14)} | ${(n / o).toFixed(2).padStart(8)}× | ${ratios.map((r) => r.toFixed(2)).join(' ')} (${median(ratios).toFixed(2)}×)`,
  );
}
