/**
 * The writer's batch step, old path against new, in one process: the records of a partition added to
 * a batch (digest, partition time clamped relative to the record's Kafka time, per-record budget,
 * one RowBinary body per (table, UTC day)) and each body taken as writer/flush.ts takes it. New:
 * writer/batch.ts (transcoding); old: test/fixtures/batch-oracle.ts (the batch before the transcoder:
 * decodeRecord + encodeRow). Same seeded records, the DDL's table shapes, no Kafka or ClickHouse: this
 * is the writer CPU a batch costs before its inserts. Prints rows per CPU-second of each, medians of
 * ROUNDS rounds (≥ 3), and checks once that both built the same bodies.
 *
 *   node dist/bench/writer-batch.js [traces|logs|metrics ...]   (env ROUNDS=3 RECORDS=200 ITEMS=100 BATCH=50)
 *
 * Profile one path with: ONLY=new node --cpu-prof dist/bench/writer-batch.js traces
 */
import type { IncomingRecord } from '../kafka/port.js';
import type { Signal } from '../schemas/otlp/codec.js';
import { OldPartitionBatch } from '../test/fixtures/batch-oracle.js';
import { generateLogs, generateMetrics, generateTraces } from '../test/fixtures/generate.js';
import { ddlShapes } from '../test/fixtures/shapes.js';
import { PartitionBatch, type RowRules, type ShapeLookup } from '../writer/batch.js';
import { PROVIDED_COLUMNS } from '../writer/transcode/index.js';

const ROUNDS = Math.max(3, Number(process.env['ROUNDS'] ?? 3));
const RECORDS = Number(process.env['RECORDS'] ?? 200);
/** Items per record (spans, log records; metrics: data points = 10 per metric). */
const ITEMS = Number(process.env['ITEMS'] ?? 100);
/** Records per batch (the writer closes a batch on rows, bytes or age; here on a record count). */
const BATCH = Number(process.env['BATCH'] ?? 50);
const PASSES = Number(process.env['PASSES'] ?? 3);
const ONLY = process.env['ONLY'] ?? '';

const shapes = ddlShapes((table) => PROVIDED_COLUMNS[table] ?? new Set());
const shapeOf: ShapeLookup = (table) => Promise.resolve(shapes.get(table)!);
/** The writer's defaults (core/config/options.ts). */
const RULES: RowRules = {
  maxPastMs: 30 * 86_400_000,
  maxFutureMs: 2 * 3_600_000,
  maxRecordBytes: 64 << 20,
  logProcessing: 'clickstack',
};

function records(signal: Signal): IncomingRecord[] {
  return Array.from({ length: RECORDS }, (_, i) => {
    const shape = { seed: i + 1, resources: 2, scopesPerResource: 2 };
    const value =
      signal === 'traces'
        ? generateTraces({ ...shape, itemsPerScope: ITEMS / 4 })
        : signal === 'logs'
          ? generateLogs({ ...shape, itemsPerScope: ITEMS / 4 })
          : generateMetrics({ ...shape, itemsPerScope: Math.max(1, ITEMS / 40) });
    return {
      topic: 'bench',
      partition: 0,
      offset: i,
      timestamp: Date.now(),
      key: null,
      value: Buffer.from(value),
      headers: new Map(),
    };
  });
}

type Batch = PartitionBatch | OldPartitionBatch;
type Make = (signal: Signal, start: number) => Batch;
const makeNew: Make = (signal, start) => new PartitionBatch('bench', 0, signal, start, RULES);
const makeOld: Make = (signal, start) => new OldPartitionBatch('bench', 0, signal, start, RULES);

/** Builds the batches over the records and takes every body; returns rows and the bodies' hex. */
async function build(signal: Signal, input: IncomingRecord[], make: Make, keep: boolean) {
  let rows = 0;
  const bodies: string[] = [];
  for (let start = 0; start < input.length; start += BATCH) {
    const batch = make(signal, start);
    for (const record of input.slice(start, start + BATCH)) await batch.add(record, shapeOf);
    batch.digest();
    for (const part of batch.parts()) {
      const body = batch.body(part as never, shapes.get(part.table)!);
      if (keep) bodies.push(`${part.table}@${part.day}:${body.toString('hex')}`);
    }
    rows += batch.rowCount;
  }
  return { rows, bodies };
}

async function round(signal: Signal, input: IncomingRecord[], make: Make): Promise<number> {
  const before = process.cpuUsage();
  let rows = 0;
  for (let pass = 0; pass < PASSES; pass++) rows += (await build(signal, input, make, false)).rows;
  const used = process.cpuUsage(before);
  return rows / ((used.user + used.system) / 1e6);
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const signals = (
  process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['traces', 'logs', 'metrics']
) as Signal[];
console.log(
  `batches of ${BATCH} records of ${ITEMS} items, ${RECORDS} records × ${PASSES} passes per round, median of ${ROUNDS} rounds`,
);
console.log('signal   | old rows/CPU-s | new rows/CPU-s | new ÷ old | per-round ratios (median)');
for (const signal of signals) {
  const input = records(signal);
  const a = await build(signal, input, makeOld, true);
  const b = await build(signal, input, makeNew, true);
  if (a.rows !== b.rows || a.bodies.join() !== b.bodies.join())
    throw new Error(`${signal}: the two batches built different bodies`);
  const olds: number[] = [];
  const news: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    if (ONLY !== 'new') olds.push(await round(signal, input, makeOld));
    if (ONLY !== 'old') news.push(await round(signal, input, makeNew));
  }
  const o = olds.length > 0 ? median(olds) : NaN;
  const n = news.length > 0 ? median(news) : NaN;
  const ratios = news.length === olds.length ? olds.map((old, i) => news[i]! / old) : [NaN];
  console.log(
    `${signal.padEnd(8)} | ${Math.round(o).toLocaleString('en').padStart(14)} | ${Math.round(n).toLocaleString('en').padStart(14)} | ${(n / o).toFixed(2).padStart(8)}× | ${ratios.map((r) => r.toFixed(2)).join(' ')} (${median(ratios).toFixed(2)}×)`,
  );
}
