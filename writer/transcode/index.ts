/**
 * Wire-to-RowBinary transcoding: one Kafka record (an OTLP Export*ServiceRequest) is walked once and
 * each row is written as RowBinary, in the live column order of its table, into the caller's sink for
 * (table, UTC day of the row's partition time). Byte for byte the same as decodeRecord + each column's
 * encoder (test/unit/transcode-differential.test.ts proves it), without building row objects or JS
 * strings on the fast path. Output depends only on the bytes, the shapes and the context.
 */
import { TABLES } from '../../schemas/ddl.js';
import type { Signal } from '../../schemas/otlp/codec.js';
import type { ByteWriter } from '../rowbinary.js';
import type { TableShape } from '../schema.js';
import { type LogHooks, transcodeLogs } from './logs.js';
import { transcodeMetrics } from './metrics.js';
import { RecordTooLarge, Run, type TranscodeCounts } from './run.js';
import { SPEC_BY_TABLE } from './specs.js';
import type { TimeClamp } from './time.js';
import { transcodeTraces } from './traces.js';

export { RecordTooLarge, type TranscodeCounts } from './run.js';
export type { TimeClamp } from './time.js';
export type { LogFacts } from './log-facts.js';
export { clickStackMayChange } from './log-facts.js';
export { dayOfBigInt as dayOfNs } from './time.js';

export interface TranscodeContext extends LogHooks {
  /**
   * The live shape of every table the signal writes (TABLES_BY_SIGNAL), as SchemaCache.get(table,
   * PROVIDED_COLUMNS[table]) gives it. Columns the table lacks are not written; columns the rows do
   * not provide get the column encoder's default.
   */
  readonly shapes: ReadonlyMap<string, TableShape>;
  /** Where rows of `table` whose partition time falls on UTC `day` (days since 1970-01-01) go. */
  sinkFor(table: string, day: number): ByteWriter;
  /**
   * Applied to the partition time only, as the batch rules say (writer/batch.ts): Timestamp (traces,
   * logs, sessions), TimeUnix (metrics). Other times (event, start, exemplar times) and Duration are
   * stored as sent. The day is taken from the clamped partition time.
   */
  readonly clamp?: TimeClamp | undefined;
  /**
   * Encoded bytes one record may add over all sinks. Checked before each row (and at the end): a
   * record above it throws RecordTooLarge, having written at most one row past the limit, and leaves
   * the sinks as they were.
   */
  readonly maxBytes?: number | undefined;
  /** Told, when the record is done (not when it throws), how many rows had their partition time clamped. */
  readonly onClamped?: ((rows: number) => void) | undefined;
}

/** The tables each signal writes. */
export const TABLES_BY_SIGNAL: Record<Signal, readonly string[]> = {
  traces: [TABLES.traces],
  logs: [TABLES.logs, TABLES.sessions],
  metrics: [TABLES.gauge, TABLES.sum, TABLES.histogram, TABLES.exponentialHistogram, TABLES.summary],
};

/** The columns the rows of each table provide (what SchemaCache.get needs as `provided`). */
export const PROVIDED_COLUMNS: Readonly<Record<string, ReadonlySet<string>>> = Object.fromEntries(
  Object.entries(SPEC_BY_TABLE).map(([table, spec]) => [
    table,
    new Set([...Object.keys(spec.items), ...Object.keys(spec.scoped)]),
  ]),
);

/**
 * Transcodes one record into the context's sinks and returns the rows it added per table and day.
 * A record that is not valid OTLP throws ("invalid OTLP <signal> protobuf: ...", as decodeRecord)
 * after every sink is put back to its length before the call: a record adds all its rows or none.
 * A record over ctx.maxBytes throws RecordTooLarge, the sinks likewise put back.
 */
export function transcodeRecord(signal: Signal, bytes: Uint8Array, ctx: TranscodeContext): TranscodeCounts {
  const run = new Run(ctx);
  try {
    if (signal === 'traces') transcodeTraces(bytes, run);
    else if (signal === 'logs') transcodeLogs(bytes, run, ctx);
    else transcodeMetrics(bytes, run);
    return run.finish();
  } catch (err) {
    run.undo();
    if (err instanceof RecordTooLarge) throw err;
    throw new Error(`invalid OTLP ${signal} protobuf: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}
