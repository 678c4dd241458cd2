/** One Kafka record value → rows per table, by signal. Throws on bytes that are not OTLP. */
import type { Signal } from '../../schemas/otlp/codec.js';
import type { RowsByTable } from './common.js';
import { type LogDecodeOptions, decodeLogs } from './logs.js';
import { decodeMetrics } from './metrics.js';
import { decodeTraces } from './traces.js';

export type { Row, RowValue, RowsByTable } from './common.js';

/** How records become rows; batch plans record what they depend on (logRulesVersion in writer/clickstack/rules.ts). */
export type DecodeOptions = LogDecodeOptions;

const decoders: Record<
  Signal,
  (bytes: Uint8Array, rows: RowsByTable, options: DecodeOptions) => RowsByTable
> = {
  traces: decodeTraces,
  metrics: decodeMetrics,
  logs: decodeLogs,
};

/**
 * Decodes one record into a fresh map. The decoders bound-check every length and wire type, so a
 * corrupt record throws (and goes to the DLQ as a whole) instead of yielding rows; no separate
 * validation pass is needed on this hot path.
 */
export function decodeRecord(signal: Signal, bytes: Uint8Array, options: DecodeOptions = {}): RowsByTable {
  try {
    return decoders[signal](bytes, new Map(), options);
  } catch (err) {
    throw new Error(`invalid OTLP ${signal} protobuf: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}
