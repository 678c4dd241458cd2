/**
 * The transport-independent path of one OTLP request: validate → (stamp region) → split to fit a
 * record → key and headers → publish. HTTP and gRPC both call `ingest`.
 */
import type { Config } from '../core/config/options.js';
import { spanEvent, traceProduce } from '../core/telemetry.js';
import { type Signal, type SplitMode, splitRequest, validateRequestYielding } from '../schemas/otlp/codec.js';
import { stampResourceAttribute } from '../schemas/otlp/stamp.js';
import { RECORD_HEADERS, SIGNALS, topicFor } from '../schemas/topics.js';
import type { Lease } from './admission.js';
import type { OutgoingRecord, Publisher } from './publish.js';
import { headerBytes, recordOverheadBytes } from './record-size.js';
import { createRateLimiter } from './rate-limit.js';

/** Room for the longest record key (a trace id or a resource hash) when sizing records. */
const KEY_ALLOWANCE = new Uint8Array(64);

/**
 * How `receiver.keyBy` splits and keys each signal, as the Collector's kafkaexporter options do:
 * trace = partition_traces_by_id + partition_logs_by_trace_id; resource =
 * partition_{logs,metrics}_by_resource_attributes; trace-resource = partition_traces_by_id +
 * partition_{logs,metrics}_by_resource_attributes (the usual Collector setup).
 */
export function splitModes(keyBy: Config['receiver.keyBy']): Record<Signal, SplitMode> {
  switch (keyBy) {
    case 'trace':
      return { traces: 'trace', logs: 'trace', metrics: 'none' };
    case 'resource':
      return { traces: 'none', logs: 'resource', metrics: 'resource' };
    case 'trace-resource':
      return { traces: 'trace', logs: 'resource', metrics: 'resource' };
    default:
      return { traces: 'none', logs: 'none', metrics: 'none' };
  }
}

export interface IngestContext {
  /** Non-secret id of the API key that authenticated the request. */
  readonly keyId?: string;
  /** The request carries tributary's own telemetry (marked on its records, see RECORD_HEADERS.self). */
  readonly selfTelemetry?: boolean;
  /** The request's share of the admission budget: copies made here (stamp, split) join it. */
  readonly lease?: Lease;
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
  const modes = splitModes(config['receiver.keyBy']);
  const maxRecordBytes = config['receiver.maxRecordBytes'];
  const limiter = createRateLimiter(
    config['receiver.rateLimitItemsPerSecond'],
    config['receiver.rateLimitBurstItems'],
  );

  return {
    async ingest(signal, body, context) {
      const shape = await validateRequestYielding(signal, body);
      spanEvent('validated', { 'tributary.items': shape.items });
      if (shape.items === 0) return { items: 0, records: 0, bytes: 0 };
      limiter.take(context.keyId, shape.items);
      const bytes =
        region && config['receiver.regionAttribute']
          ? stampResourceAttribute(signal, body, 'cloud.region', region)
          : body;
      if (bytes !== body) context.lease?.grow(bytes.length);
      const mode = modes[signal];
      const headers: Record<string, string> = {
        [RECORD_HEADERS.signal]: signal,
        [RECORD_HEADERS.receivedAt]: String(Date.now()),
      };
      if (region) headers[RECORD_HEADERS.region] = region;
      if (context.keyId) headers[RECORD_HEADERS.keyId] = context.keyId;
      if (context.selfTelemetry) headers[RECORD_HEADERS.self] = '1';
      // The configured record size, never more than fits one record batch the broker accepts
      // (publisher.maxBatchBytes is capped by the topics' max.message.bytes at start).
      const recordCap = Math.min(
        maxRecordBytes,
        publisher.maxBatchBytes - recordOverheadBytes(KEY_ALLOWANCE, headerBytes(headers)),
      );
      const parts = splitRequest(signal, bytes, recordCap, mode);
      // Parts that are not the request itself are new buffers held until Kafka acknowledges.
      let copied = 0;
      for (const part of parts) if (part.bytes.buffer !== bytes.buffer) copied += part.bytes.length;
      context.lease?.grow(copied);
      const records: OutgoingRecord[] = parts.map((part) => ({
        topic: topics[signal],
        // An empty key (items without a trace id) stays a key: the Collector hashes it too.
        key: part.key ? Buffer.from(part.key.buffer, part.key.byteOffset, part.key.length) : null,
        value: part.bytes,
        headers,
      }));
      await traceProduce(topics[signal], records.length, () => publisher.publish(records));
      return { items: shape.items, records: records.length, bytes: bytes.length };
    },
  };
}
