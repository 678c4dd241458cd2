/**
 * The catalog of tributary's own error codes. Each code says whether retrying can help and how it
 * maps onto HTTP and gRPC, so every transport answers the same failure the same way.
 * docs/errors.md documents every code; a test fails when one is missing there.
 */

export const GRPC = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

interface ErrorSpec {
  readonly retryable: boolean;
  readonly http: number;
  readonly grpc: number;
  readonly summary: string;
}

export const errorCatalog = {
  CONFIG_INVALID: {
    retryable: false,
    http: 500,
    grpc: GRPC.INTERNAL,
    summary: 'A configuration key has a bad value or is unknown.',
  },
  BAD_REQUEST: {
    retryable: false,
    http: 400,
    grpc: GRPC.INVALID_ARGUMENT,
    summary: 'The request is malformed (bad protobuf or JSON, wrong field types).',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    retryable: false,
    http: 415,
    grpc: GRPC.INVALID_ARGUMENT,
    summary: 'Content-Type or Content-Encoding is not supported.',
  },
  PAYLOAD_TOO_LARGE: {
    retryable: false,
    http: 413,
    grpc: GRPC.INVALID_ARGUMENT,
    summary: 'The body, or a single item that cannot be split, exceeds a limit.',
  },
  UNAUTHENTICATED: {
    retryable: false,
    http: 401,
    grpc: GRPC.UNAUTHENTICATED,
    summary: 'Auth is on and the API key is missing or wrong.',
  },
  NOT_FOUND: { retryable: false, http: 404, grpc: GRPC.UNIMPLEMENTED, summary: 'No such endpoint.' },
  OVERLOADED: {
    retryable: true,
    http: 429,
    grpc: GRPC.RESOURCE_EXHAUSTED,
    summary: 'Too many bytes in flight; retry later.',
  },
  RATE_LIMITED: {
    retryable: true,
    http: 429,
    grpc: GRPC.RESOURCE_EXHAUSTED,
    summary:
      "The API key's items-per-second limit (receiver.rateLimitItemsPerSecond) is used up; retry later.",
  },
  KAFKA_UNAVAILABLE: {
    retryable: true,
    http: 503,
    grpc: GRPC.UNAVAILABLE,
    summary: 'Kafka did not acknowledge in time or is unreachable; retry later.',
  },
  CLICKHOUSE_UNAVAILABLE: {
    retryable: true,
    http: 503,
    grpc: GRPC.UNAVAILABLE,
    summary: 'ClickHouse is unreachable or overloaded; retried with backoff.',
  },
  CLICKHOUSE_REJECTED: {
    retryable: false,
    http: 500,
    grpc: GRPC.INTERNAL,
    summary: 'ClickHouse rejected the data itself; the record goes to the DLQ.',
  },
  DECODE_FAILED: {
    retryable: false,
    http: 400,
    grpc: GRPC.INVALID_ARGUMENT,
    summary: 'A Kafka record is not a valid OTLP request; it goes to the DLQ.',
  },
  RECORD_TOO_LARGE: {
    retryable: false,
    http: 413,
    grpc: GRPC.RESOURCE_EXHAUSTED,
    summary: "A Kafka record's rows exceed writer.maxRecordEncodedBytes; it goes to the DLQ.",
  },
  SIGNAL_UNROUTABLE: {
    retryable: false,
    http: 400,
    grpc: GRPC.INVALID_ARGUMENT,
    summary:
      'A record on a topic several signals share has no otelcol.signal header, or one naming no signal that reads the topic; it goes to the DLQ once.',
  },
  SHUTTING_DOWN: {
    retryable: true,
    http: 503,
    grpc: GRPC.UNAVAILABLE,
    summary: 'The process is stopping; retry against another instance.',
  },
  DEPENDENCY_MISSING: {
    retryable: false,
    http: 500,
    grpc: GRPC.INTERNAL,
    summary: 'A tool needed locally (Java, Maven, chdb) is not installed.',
  },
  INTERNAL: {
    retryable: false,
    http: 500,
    grpc: GRPC.INTERNAL,
    summary: 'A bug: please report it with the log line.',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof errorCatalog;

export class TributaryError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly httpStatus: number;
  readonly grpcStatus: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TributaryError';
    this.code = code;
    const spec: ErrorSpec = errorCatalog[code];
    this.retryable = spec.retryable;
    this.httpStatus = spec.http;
    this.grpcStatus = spec.grpc;
  }
}

export function isTributaryError(err: unknown): err is TributaryError {
  return err instanceof TributaryError;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
