/**
 * The transport-independent path of one OTLP request: validate → (stamp region) → split to fit a
 * record → key and headers → publish. HTTP and gRPC both call `ingest`.
 */
import type { Config } from '../core/config/options.js';
import { spanEvent, traceProduce } from '../core/telemetry.js';
import { type Signal, splitRequest, validateRequest } from '../schemas/otlp/codec.js';
import { stampResourceAttribute } from '../schemas/otlp/stamp.js';
import { RECORD_HEADERS, SIGNALS, topicFor } from '../schemas/topics.js';
import type { OutgoingRecord, Publisher } from './publish.js';
import { createRateLimiter } from './rate-limit.js';

export interface IngestContext {
  /** Non-secret id of the API key that authenticated the request. */
  readonly keyId?: string;
  /** The request carries tributary's own telemetry (marked on its records, see RECORD_HEADERS.self). */
  readonly selfTelemetry?: boolean;
}

export interface IngestResult {
  readonly items: number;
  readonly records: number;
  readonly bytes: number;
}

export interface Pipeline {
  ingest(signal: Signal, body: Uint8Array, context: IngestContext): Promise<IngestResult>;
}

export function createPipeline(config: Config, publisher: Publisher): Pipeline {
  const topics = Object.fromEntries(SIGNALS.map((s) => [s, topicFor(config, s)])) as Record<Signal, string>;
  const region = config['receiver.region'];
  const keyBy = config['receiver.keyBy'];
  const maxRecordBytes = config['receiver.maxRecordBytes'];
  const limiter = createRateLimiter(
    config['receiver.rateLimitItemsPerSecond'],
    config['receiver.rateLimitBurstItems'],
  );

  return {
    async ingest(signal, body, context) {
      const shape = validateRequest(signal, body);
      spanEvent('validated', { 'tributary.items': shape.items });
      if (shape.items === 0) return { items: 0, records: 0, bytes: 0 };
      limiter.take(context.keyId, shape.items);
      const bytes =
        region && config['receiver.regionAttribute']
          ? stampResourceAttribute(signal, body, 'cloud.region', region)
          : body;
      const mode =
        keyBy === 'trace' && signal === 'traces'
          ? 'trace'
          : keyBy === 'resource' && signal !== 'traces'
            ? 'resource'
            : 'none';
      const parts = splitRequest(signal, bytes, maxRecordBytes, mode);
      const headers: Record<string, string> = {
        [RECORD_HEADERS.signal]: signal,
        [RECORD_HEADERS.receivedAt]: String(Date.now()),
      };
      if (region) headers[RECORD_HEADERS.region] = region;
      if (context.keyId) headers[RECORD_HEADERS.keyId] = context.keyId;
      if (context.selfTelemetry) headers[RECORD_HEADERS.self] = '1';
      const records: OutgoingRecord[] = parts.map((part) => ({
        topic: topics[signal],
        key: part.traceId
          ? Buffer.from(part.traceId)
          : part.resourceHash
            ? Buffer.from(part.resourceHash)
            : null,
        value: part.bytes,
        headers,
      }));
      await traceProduce(topics[signal], records.length, () => publisher.publish(records));
      return { items: shape.items, records: records.length, bytes: bytes.length };
    },
  };
}
