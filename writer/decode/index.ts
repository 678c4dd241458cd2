/** One Kafka record value → rows per table, by signal. Throws on bytes that are not OTLP. */
import type { Signal } from '../../schemas/otlp/codec.js';
import { validateRequest } from '../../schemas/otlp/validate.js';
import type { RowsByTable } from './common.js';
import { decodeLogs } from './logs.js';
import { decodeMetrics } from './metrics.js';
import { decodeTraces } from './traces.js';

export type { Row, RowValue, RowsByTable } from './common.js';

const decoders: Record<Signal, (bytes: Uint8Array, rows: RowsByTable) => RowsByTable> = {
  traces: decodeTraces,
  metrics: decodeMetrics,
  logs: decodeLogs,
};

/** Validates first (the same wire walk as the receiver), so a corrupt record fails as a whole and never half-decodes. */
export function decodeRecord(signal: Signal, bytes: Uint8Array, into: RowsByTable = new Map()): RowsByTable {
  validateRequest(signal, bytes);
  return decoders[signal](bytes, into);
}
