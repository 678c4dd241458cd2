/**
 * The OTLP codec: the one module the receiver (and tools) use for OTLP bytes. Validation and
 * splitting work on the wire format; JSON conversion and decoding use the .proto files.
 */
import { requestType } from './proto-loader.js';
import type { Signal } from './shapes.js';

export type { Signal } from './shapes.js';
export type { RequestShape } from './validate.js';
export { validateRequest, validateRequestYielding } from './validate.js';
export { jsonToProtobuf } from './json.js';
export { encodeResponse, encodeResponseJson, encodeStatus, encodeStatusJson } from './response.js';
export { splitRequest, type SplitMode, type SplitPart } from './split.js';

/** Plain-object view of a request (tests, tooling): 64-bit ints as strings, enums as numbers, bytes as Buffers. */
export function decodeRequest(signal: Signal, bytes: Uint8Array): Record<string, unknown> {
  const type = requestType(signal);
  // Decoding from a Buffer gives Buffer-typed bytes fields whatever the caller passed in.
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return type.toObject(type.decode(buffer), {
    longs: String,
    enums: Number,
    bytes: Buffer,
    defaults: true,
    arrays: true,
  });
}

export function encodeRequest(signal: Signal, object: Record<string, unknown>): Uint8Array {
  const type = requestType(signal);
  return type.encode(type.fromObject(object)).finish();
}
