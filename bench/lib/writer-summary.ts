/**
 * The writer bench's figures over its rounds: medians per system (each variant of our writer, the
 * Collector, Rotel), the ceiling, our default writer's ratios to each peer (medians of per-round
 * ratios: the two ran minutes apart at most), what each pipeline does and does not guarantee, and
 * the row check.
 */
import { median } from './proc.js';
import type { Drain, RowCheck } from './writer-drain.js';
import type { WriterVariant } from './writer-variants.js';

export interface Round {
  readonly round: number;
  readonly drains: { readonly system: string; readonly drain: Drain; readonly check: RowCheck }[];
  readonly ceiling: { rows: number; seconds: number; rowsPerSecond: number; bytesSentPerRow: number };
}

export interface SystemSummary {
  readonly system: string;
  readonly pipeline: string;
  readonly guarantees: string;
  readonly rows: number;
  readonly steadyRowsPerSecond: number;
  readonly rowsPerCpuSecond: number;
  readonly cpuSecondsPerMillionRows: number;
  /** The largest of the rounds. */
  readonly peakRssBytes: number;
  readonly bytesSentPerRow: number;
  readonly bytesReceivedPerRow: number;
  readonly overCeiling: number;
}

const OURS =
  'Kafka → tributary writer: RowBinary over HTTP, one fenced INSERT per (table, day) with a deterministic insert_deduplication_token, offsets committed only after the insert; memory bounded by writer.maxBufferedBytes';
const OURS_GUARANTEES =
  'exactly once Kafka → ClickHouse (plans + done state checked when ClickHouse executes the insert; a retry or a zombie adds no rows); nothing is lost on a crash (Kafka keeps what is not done)';

function describe(
  system: string,
  batchRows: number,
  flushMs: number,
): { pipeline: string; guarantees: string } {
  if (system === 'collector')
    return {
      pipeline: `Kafka → OpenTelemetry Collector: kafkareceiver (otlp_proto) → batch (send_batch_size = send_batch_max_size = ${batchRows}, timeout ${flushMs} ms) → clickhouseexporter (Native format via clickhouse-go over HTTP, compress: none, async_insert: false, sending queue and retries at their defaults)`,
      guarantees:
        'at most once on a crash and at least once on a retry: Kafka offsets are marked before the insert (the batch and the in-memory sending queue are lost with the process), and a retried insert carries no deduplication token',
    };
  if (system === 'rotel')
    return {
      pipeline: `OTLP/HTTP → Rotel: batch (${batchRows} rows, ${flushMs} ms) → ClickHouse exporter (RowBinary over HTTP, compression lz4, its default (ClickHouse's compressed blocks, decompress=1), async_insert off); the wheel's build has no Kafka receiver, so it is fed the same records over OTLP/HTTP`,
      guarantees:
        'no Kafka in this path: a client is answered when its request is in Rotel’s memory, before the insert; lost on a crash; retried inserts carry no deduplication token',
    };
  return { pipeline: OURS, guarantees: OURS_GUARANTEES };
}

export function summarize(
  rounds: readonly Round[],
  expected: number,
  variants: readonly WriterVariant[],
  compressionNote: string,
  o: {
    readonly batchRows: number;
    readonly flushIntervalMs: number;
    readonly collectorSkip?: string | undefined;
    readonly rotelSkip?: string | undefined;
  },
): Record<string, unknown> {
  const systems = rounds[0]!.drains.map((d) => d.system);
  const drainsOf = (system: string): { round: Round; drain: Drain }[] =>
    rounds.flatMap((round) =>
      round.drains.filter((d) => d.system === system).map((d) => ({ round, drain: d.drain })),
    );
  const summaries: SystemSummary[] = systems.map((system) => {
    const runs = drainsOf(system);
    const med = (pick: (d: Drain) => number): number => median(runs.map((r) => pick(r.drain)));
    return {
      system,
      ...describe(system, o.batchRows, o.flushIntervalMs),
      rows: med((d) => d.rows),
      steadyRowsPerSecond: med((d) => d.steadyRowsPerSecond),
      rowsPerCpuSecond: med((d) => d.rowsPerCpuSecond),
      cpuSecondsPerMillionRows: med((d) => d.cpuSecondsPerMillionRows),
      peakRssBytes: Math.max(...runs.map((r) => r.drain.peakRssBytes)),
      bytesSentPerRow: med((d) => d.bytesSentPerRow),
      bytesReceivedPerRow: med((d) => d.bytesReceivedPerRow),
      overCeiling: median(runs.map((r) => r.drain.steadyRowsPerSecond / r.round.ceiling.rowsPerSecond)),
    };
  });
  const ours = (variants.find((v) => v.isDefault) ?? variants[0]!).name;
  const headline = summaries.find((s) => s.system === ours)!;
  const oursRuns = drainsOf(ours);
  const ratios = summaries
    .filter((s) => s.system === 'collector' || s.system === 'rotel')
    .map((peer) => {
      const theirs = drainsOf(peer.system);
      const ratio = (pick: (d: Drain) => number): number =>
        median(oursRuns.map((r, i) => pick(r.drain) / pick(theirs[i]!.drain)));
      return {
        against: peer.system,
        steadyRowsPerSecond: ratio((d) => d.steadyRowsPerSecond),
        rowsPerCpuSecond: ratio((d) => d.rowsPerCpuSecond),
        bytesSentPerRow: ratio((d) => d.bytesSentPerRow),
      };
    });
  const checks = rounds.map((r) => Object.fromEntries(r.drains.map((d) => [d.system, d.check])));
  const med = (pick: (r: Round) => number): number => median(rounds.map(pick));
  return {
    rows: headline.rows,
    expected,
    rounds: rounds.length,
    // The headline figures: our writer as configured by default.
    system: ours,
    steadyRowsPerSecond: headline.steadyRowsPerSecond,
    cpuSecondsPerMillionRows: headline.cpuSecondsPerMillionRows,
    steadyRowsPerWriterCpuSecond: headline.rowsPerCpuSecond,
    // The largest of the rounds: the bound in docs/operations.md must hold for every one.
    peakRssBytes: headline.peakRssBytes,
    bytesSentPerRow: headline.bytesSentPerRow,
    overCeiling: headline.overCeiling,
    ceiling: {
      rows: med((r) => r.ceiling.rows),
      seconds: med((r) => r.ceiling.seconds),
      rowsPerSecond: med((r) => r.ceiling.rowsPerSecond),
      bytesSentPerRow: med((r) => r.ceiling.bytesSentPerRow),
    },
    compression: compressionNote,
    systems: summaries,
    ratios,
    skipped: {
      ...(o.collectorSkip ? { collector: o.collectorSkip } : {}),
      ...(o.rotelSkip ? { rotel: o.rotelSkip } : {}),
    },
    rowCheck: {
      equal: checks.every((c) => {
        const all = Object.values(c);
        return all.every((x) => x.rows === all[0]!.rows && x.spanIds === all[0]!.spanIds);
      }),
      complete: checks.every((c) =>
        Object.values(c).every((x) => x.rows === expected && x.spanIds === expected),
      ),
      rounds: checks,
    },
    perRound: rounds,
  };
}
