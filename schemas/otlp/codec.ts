// STUB — the OTLP codec contract (to be implemented). Receiver code may import these signatures now.
export type Signal = 'traces' | 'metrics' | 'logs';

/** Counts found by the wire-level walk of an Export*ServiceRequest. */
export interface RequestShape {
  readonly resources: number;
  readonly scopes: number;
  /** spans, metric data points, or log records */
  readonly items: number;
}

/**
 * Walks the protobuf wire format of an Export*ServiceRequest without building objects and checks
 * it is well-formed for the signal (field numbers, wire types, lengths, nesting, ids of 16/8 bytes,
 * valid UTF-8 in strings). Throws TributaryError('BAD_REQUEST', message naming the field) if not.
 */
export function validateRequest(_signal: Signal, _bytes: Uint8Array): RequestShape {
  throw new Error('not implemented yet');
}

/**
 * OTLP/JSON (the OTLP spec's JSON mapping: hex ids, lowerCamelCase, enums as numbers, 64-bit ints as
 * strings or numbers) → protobuf bytes of the same Export*ServiceRequest.
 * Throws TributaryError('BAD_REQUEST', ...) with a message naming what is wrong.
 */
export function jsonToProtobuf(_signal: Signal, _json: string): Uint8Array {
  throw new Error('not implemented yet');
}

/** Encodes an Export*ServiceResponse (partial_success when rejected > 0) as protobuf. */
export function encodeResponse(_signal: Signal, _rejected: number, _errorMessage: string): Uint8Array {
  throw new Error('not implemented yet');
}

/** The same response as OTLP/JSON text. */
export function encodeResponseJson(_signal: Signal, _rejected: number, _errorMessage: string): string {
  throw new Error('not implemented yet');
}

export interface SplitPart {
  readonly bytes: Uint8Array;
  /** lowercase 32-hex trace id when split per trace, otherwise undefined */
  readonly traceId?: string;
  /** 16-byte hash of the resource attributes (order-independent) when split per resource */
  readonly resourceHash?: Uint8Array;
}

/**
 * Splits a valid request so every part's encoded size is <= maxBytes, along Resource → Scope → item,
 * keeping each part a complete Export*ServiceRequest; no item is lost or duplicated. A request that
 * already fits is returned as-is (same bytes). A single item larger than maxBytes throws
 * TributaryError('PAYLOAD_TOO_LARGE', message naming the item: resource/scope/index, size, limit).
 * mode 'trace' (traces only) additionally puts each trace in its own part(s) with traceId set;
 * mode 'resource' puts each resource in its own part(s) with resourceHash set.
 */
export function splitRequest(
  _signal: Signal,
  _bytes: Uint8Array,
  _maxBytes: number,
  _mode: 'none' | 'trace' | 'resource' = 'none',
): SplitPart[] {
  throw new Error('not implemented yet');
}
