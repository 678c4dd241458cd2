/**
 * Validation of an Export*ServiceRequest by walking its wire format against shapes.ts: no objects
 * are built, so the receiver can check a request and forward its bytes unchanged.
 */
import { isUtf8 } from 'node:buffer';
import { TributaryError } from '../../core/errors.js';
import { FastWalkFailure, fastWalk, fastWalkYielding } from './fast-walk.js';
import { type FieldShape, type MessageShape, type Signal, requestShapes } from './shapes.js';
import { WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT, WireError, WireReader } from './wire.js';

export interface RequestShape {
  readonly resources: number;
  readonly scopes: number;
  /** spans, metric data points, or log records */
  readonly items: number;
}

/** Nesting deeper than this (AnyValue inside AnyValue...) is refused: a stack-exhaustion guard. */
export const MAX_DEPTH = 64;

interface Counts {
  items: number;
}

class PathError extends Error {
  readonly path: string[];
  constructor(message: string, path: string[]) {
    super(message);
    this.path = path;
  }
}

function expectedWire(field: FieldShape): number {
  switch (field.kind.t) {
    case 'varint':
      return WIRE_VARINT;
    case 'i64':
      return WIRE_I64;
    case 'i32':
      return WIRE_I32;
    default:
      return WIRE_LEN;
  }
}

function walk(
  reader: WireReader,
  shape: MessageShape,
  depth: number,
  counts: Counts,
  path: string[] | undefined,
): void {
  if (depth > MAX_DEPTH) throw new WireError(`nesting deeper than ${MAX_DEPTH}`);
  const index = new Map<number, number>();
  while (!reader.done) {
    const { field: number, wire } = reader.tag();
    const field = shape.get(number);
    if (!field) {
      reader.skip(wire);
      continue;
    }
    let label = field.name;
    if (path) {
      const i = index.get(number) ?? 0;
      index.set(number, i + 1);
      if (field.kind.t === 'message') label = `${field.name}[${i}]`;
    }
    const kind = field.kind;
    if (kind.t === 'packed' && wire !== WIRE_LEN) {
      // proto3 allows unpacked encoding of a packed field too.
      const element = kind.element === 'varint' ? WIRE_VARINT : WIRE_I64;
      if (wire !== element) throw new PathError(`wrong wire type ${wire}`, [...(path ?? []), label]);
      reader.skip(wire);
      continue;
    }
    if (wire !== expectedWire(field))
      throw new PathError(`wrong wire type ${wire}, expected ${expectedWire(field)}`, [
        ...(path ?? []),
        label,
      ]);
    if (wire !== WIRE_LEN) {
      reader.skip(wire);
      continue;
    }
    const { start, end } = reader.lengthDelimited();
    switch (kind.t) {
      case 'string':
        if (!isUtf8(reader.bytes.subarray(start, end)))
          throw new PathError('invalid UTF-8', [...(path ?? []), label]);
        break;
      case 'id':
        if (end - start !== kind.n && end !== start)
          throw new PathError(`length ${end - start}, expected ${kind.n} or 0`, [...(path ?? []), label]);
        break;
      case 'packed': {
        const sub = new WireReader(reader.bytes, start, end);
        const element = kind.element === 'varint' ? WIRE_VARINT : WIRE_I64;
        try {
          while (!sub.done) sub.skip(element);
        } catch (err) {
          throw new PathError((err as Error).message, [...(path ?? []), label]);
        }
        break;
      }
      case 'message': {
        if (kind.item) counts.items++;
        if (path) path.push(label);
        walk(new WireReader(reader.bytes, start, end), kind.shape(), depth + 1, counts, path);
        if (path) path.pop();
        break;
      }
      default:
        break;
    }
  }
}

function countTopLevel(bytes: Uint8Array): { resources: number; scopes: number } {
  let resources = 0;
  let scopes = 0;
  const top = new WireReader(bytes);
  while (!top.done) {
    const { field, wire } = top.tag();
    if (field !== 1 || wire !== WIRE_LEN) {
      top.skip(wire);
      continue;
    }
    resources++;
    const { start, end } = top.lengthDelimited();
    const inner = new WireReader(bytes, start, end);
    while (!inner.done) {
      const tag = inner.tag();
      if (tag.field === 2 && tag.wire === WIRE_LEN) scopes++;
      inner.skip(tag.wire);
    }
  }
  return { resources, scopes };
}

/**
 * The path-keeping walk (items counted), used to name the broken field after the fast walk failed;
 * exported so tests can check both walks accept exactly the same inputs.
 */
export function walkWithPaths(signal: Signal, bytes: Uint8Array, path: string[] = []): number {
  const counts: Counts = { items: 0 };
  walk(new WireReader(bytes), requestShapes[signal], 0, counts, path);
  return counts.items;
}

/**
 * Bytes validated between two turns of the event loop by validateRequestYielding (about 1-3 ms of
 * walking): requests up to this size are validated in one go.
 */
export const VALIDATE_SLICE_BYTES = 1024 * 1024;
/** Above this size a malformed request is refused without naming the field (that walk is synchronous). */
const NAMED_FAILURE_MAX_BYTES = 4 * 1024 * 1024;

/** The BAD_REQUEST for a request the fast walk refused, naming the broken field when affordable. */
function refusal(signal: Signal, bytes: Uint8Array, fastError: unknown): TributaryError {
  if (!(fastError instanceof FastWalkFailure)) throw fastError;
  if (bytes.length > NAMED_FAILURE_MAX_BYTES)
    return new TributaryError(
      'BAD_REQUEST',
      `invalid OTLP ${signal} protobuf (a request of ${bytes.length} bytes; send it in smaller requests to have the broken field named)`,
    );
  // Slow path, only for bad input: walk again keeping the path to name the broken field.
  const path: string[] = [];
  try {
    walkWithPaths(signal, bytes, path);
  } catch (err) {
    const where = err instanceof PathError ? err.path.join('.') : path.join('.');
    const message = err instanceof Error ? err.message : String(err);
    return new TributaryError(
      'BAD_REQUEST',
      `invalid OTLP ${signal} protobuf at ${where || '(top level)'}: ${message}`,
    );
  }
  return new TributaryError('BAD_REQUEST', `invalid OTLP ${signal} protobuf: ${fastError.message}`);
}

/** Throws TributaryError('BAD_REQUEST') naming the first malformed field, e.g. `resource_spans[0].scope_spans[1].spans[3].trace_id: length 15, expected 16 or 0`. */
export function validateRequest(signal: Signal, bytes: Uint8Array): RequestShape {
  let items: number;
  try {
    items = fastWalk(bytes, requestShapes[signal], MAX_DEPTH);
  } catch (fastError) {
    throw refusal(signal, bytes, fastError);
  }
  return { ...countTopLevel(bytes), items };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * validateRequest for the receiver's hot path: the same verdict, but a request larger than
 * VALIDATE_SLICE_BYTES is walked a slice per event-loop turn, so one large request does not stall
 * every other connection (a 64 MiB body takes ~100 ms to walk).
 */
export async function validateRequestYielding(
  signal: Signal,
  bytes: Uint8Array,
  sliceBytes = VALIDATE_SLICE_BYTES,
): Promise<RequestShape> {
  if (bytes.length <= sliceBytes) return validateRequest(signal, bytes);
  let items: number;
  try {
    items = await fastWalkYielding(bytes, requestShapes[signal], MAX_DEPTH, sliceBytes, nextTurn);
  } catch (fastError) {
    throw refusal(signal, bytes, fastError);
  }
  return { ...countTopLevel(bytes), items };
}
