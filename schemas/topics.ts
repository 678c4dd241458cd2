/**
 * The topic and header contract between receivers and writers, in one place: topic names per
 * signal (with the optional prefix), the dead-letter topic of each, and every header name tributary
 * writes or reads. The receiver, the writer, replay, `tributary kafka`/`dev` and the tests all use
 * these functions instead of assembling names themselves.
 */
import { type Config, configSchema } from '../core/config/options.js';
import type { Signal } from './otlp/shapes.js';

export const SIGNALS: readonly Signal[] = ['traces', 'metrics', 'logs'];

/** The topic a signal is published to: `topics.prefix` + `topics.<signal>`. */
export function topicFor(config: Pick<Config, 'topics.prefix' | `topics.${Signal}`>, signal: Signal): string {
  return config['topics.prefix'] + config[`topics.${signal}`];
}

/** Where records of `topic` that can never be written go. */
export function dlqTopic(topic: string): string {
  return `${topic}.dlq`;
}

export function isDlqTopic(topic: string): boolean {
  return topic.endsWith('.dlq');
}

/**
 * Every topic of a configuration, optionally with their dead-letter topics; each once, since
 * signals may share a topic (records then carry the `otelcol.signal` header the writer routes by).
 */
export function topicNames(config: Config, options: { withDlq: boolean }): string[] {
  const topics = [...new Set(SIGNALS.map((s) => topicFor(config, s)))];
  return options.withDlq ? [...topics, ...topics.map(dlqTopic)] : topics;
}

/** Headers a receiver writes on every record. Never secrets. */
export const RECORD_HEADERS = {
  /**
   * traces | metrics | logs — as the OpenTelemetry Collector's Kafka exporter writes it (option
   * signal_header, contrib ≥ v0.160). Writers route records of a shared topic by it (writer/route.ts).
   */
  signal: 'otelcol.signal',
  /** Milliseconds since the epoch when the receiver accepted the request. */
  receivedAt: 'tributary.received_at',
  /** The receiver's `receiver.region`, when set. */
  region: 'tributary.region',
  /** The id (not the secret) of the API key that sent the request, when auth is on. */
  keyId: 'tributary.key_id',
  /**
   * "1" on records of tributary's own telemetry (requests with SELF_TELEMETRY_HEADER): a writer does
   * not trace batches made only of them, so exporting its spans never makes more spans.
   */
  self: 'tributary.self',
} as const;

/** Headers a writer adds to a dead letter, beside the original record's own. */
export const DLQ_HEADERS = {
  code: 'tributary.error.code',
  message: 'tributary.error.message',
  topic: 'tributary.source.topic',
  partition: 'tributary.source.partition',
  offset: 'tributary.source.offset',
  /**
   * Set when the letter alone outgrew the DLQ topic's max.message.bytes: its value is then the
   * record's first bytes only, and this header holds the original value's size in bytes (the whole
   * record stays at its source offset while Kafka keeps it).
   */
  trimmed: 'tributary.error.trimmed',
} as const;

/** Kafka's default message.max.bytes: the record-batch limit assumed when a topic's config cannot be read. */
export const KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/** Room a record batch needs beyond a record's value (key, headers, record and batch framing). */
export const RECORD_FRAMING_BYTES = 16 * 1024;

/**
 * How far back data can be replayed (and dead letters re-driven) by default: what `tributary doctor`
 * expects of every topic (doctor.replayWindowMs), and so the retention of the topics tributary creates.
 */
export const REPLAY_WINDOW_MS = configSchema['doctor.replayWindowMs'].default;

/**
 * The settings of a topic tributary creates (`tributary kafka`, `dev`): records kept for the replay
 * window; a dead-letter topic takes the largest record of its source topic plus the error headers.
 */
export function topicSettings(topic: string): Record<string, string> {
  return {
    'retention.ms': String(REPLAY_WINDOW_MS),
    ...(isDlqTopic(topic)
      ? { 'max.message.bytes': String(KAFKA_DEFAULT_MAX_MESSAGE_BYTES + RECORD_FRAMING_BYTES) }
      : {}),
  };
}
