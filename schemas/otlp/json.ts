/**
 * OTLP/JSON → protobuf bytes, per the OTLP specification's JSON mapping: lowerCamelCase field names
 * (the proto names are accepted too), trace and span ids as hex (not base64), enums as numbers
 * (names accepted), 64-bit integers as strings or numbers, bytes_value as base64.
 */
import { TributaryError } from '../../core/errors.js';
import { requestType } from './proto-loader.js';
import type { Signal } from './shapes.js';

/** Fields holding ids, which OTLP/JSON writes as hex. */
const HEX_ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId']);
const MAX_DEPTH = 64;

function camel(key: string): string {
  return key.includes('_') ? key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase()) : key;
}

function hexToBytes(value: unknown, path: string): Uint8Array {
  if (typeof value !== 'string' || value.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(value))
    throw new TributaryError(
      'BAD_REQUEST',
      `invalid OTLP JSON at ${path}: expected a hex string, got ${JSON.stringify(value)?.slice(0, 60)}`,
    );
  return Buffer.from(value, 'hex');
}

/** Renames keys to camelCase and turns hex ids into bytes, recursively. */
function normalize(value: unknown, path: string, depth: number): unknown {
  if (depth > MAX_DEPTH)
    throw new TributaryError('BAD_REQUEST', `invalid OTLP JSON at ${path}: nested deeper than ${MAX_DEPTH}`);
  if (Array.isArray(value)) return value.map((v, i) => normalize(v, `${path}[${i}]`, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [rawKey, v] of Object.entries(value as Record<string, unknown>)) {
    const key = camel(rawKey);
    const where = `${path}.${key}`;
    if (HEX_ID_FIELDS.has(key))
      out[key] = v === '' || v === null || v === undefined ? new Uint8Array(0) : hexToBytes(v, where);
    else out[key] = normalize(v, where, depth + 1);
  }
  return out;
}

export function jsonToProtobuf(signal: Signal, json: string): Uint8Array {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new TributaryError('BAD_REQUEST', `invalid OTLP JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new TributaryError('BAD_REQUEST', 'invalid OTLP JSON: the body must be a JSON object');
  const type = requestType(signal);
  const normalized = normalize(parsed, '$', 0) as Record<string, unknown>;
  let message;
  try {
    message = type.fromObject(normalized);
  } catch (err) {
    throw new TributaryError('BAD_REQUEST', `invalid OTLP JSON for ${signal}: ${(err as Error).message}`);
  }
  const verifyError = type.verify(message);
  if (verifyError) throw new TributaryError('BAD_REQUEST', `invalid OTLP JSON for ${signal}: ${verifyError}`);
  return type.encode(message).finish();
}
