/** Export*ServiceResponse and google.rpc.Status bodies, in protobuf and in OTLP/JSON. */
import type { Signal } from './shapes.js';
import { WIRE_LEN, WIRE_VARINT, varintSize, writeVarint } from './wire.js';

const REJECTED_FIELD: Record<Signal, string> = {
  traces: 'rejectedSpans',
  metrics: 'rejectedDataPoints',
  logs: 'rejectedLogRecords',
};

function lenField(field: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + varintSize(body.length) + body.length);
  out[0] = (field << 3) | WIRE_LEN;
  out.set(body, writeVarint(out, 1, body.length));
  return out;
}

function varintField(field: number, value: number): Uint8Array {
  const out = new Uint8Array(1 + varintSize(value));
  out[0] = (field << 3) | WIRE_VARINT;
  writeVarint(out, 1, value);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** Export*ServiceResponse; partial_success only when something was rejected. */
export function encodeResponse(_signal: Signal, rejected: number, errorMessage: string): Uint8Array {
  if (rejected <= 0 && !errorMessage) return new Uint8Array(0);
  const partial: Uint8Array[] = [];
  if (rejected > 0) partial.push(varintField(1, rejected));
  if (errorMessage) partial.push(lenField(2, Buffer.from(errorMessage, 'utf8')));
  return lenField(1, concat(partial));
}

export function encodeResponseJson(signal: Signal, rejected: number, errorMessage: string): string {
  if (rejected <= 0 && !errorMessage) return '{}';
  const partial: Record<string, unknown> = {};
  if (rejected > 0) partial[REJECTED_FIELD[signal]] = String(rejected);
  if (errorMessage) partial['errorMessage'] = errorMessage;
  return JSON.stringify({ partialSuccess: partial });
}

/** google.rpc.Status {code, message}: the body of OTLP/HTTP error responses. */
export function encodeStatus(grpcCode: number, message: string): Uint8Array {
  const parts: Uint8Array[] = [];
  if (grpcCode) parts.push(varintField(1, grpcCode));
  if (message) parts.push(lenField(2, Buffer.from(message, 'utf8')));
  return concat(parts);
}

export function encodeStatusJson(grpcCode: number, message: string): string {
  return JSON.stringify({ code: grpcCode, message });
}
