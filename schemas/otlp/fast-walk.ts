/**
 * The receiver's hot path: an allocation-free walk of a request against shapes.ts that only answers
 * "valid, with N items" or throws. Shapes are compiled into flat per-field tables once; positions
 * live in one module-level cursor instead of reader objects; strings are checked for UTF-8 with an
 * ASCII scan first, eight bytes per test (most OTLP strings are short ASCII, and a Buffer view per
 * string costs more than the check); attributes (KeyValue, AnyValue), most of a request's fields,
 * have walkers of their own. It accepts exactly what validate.ts's path-keeping walk accepts, which
 * runs only after this one failed, to name the broken field.
 */
import { isUtf8 } from 'node:buffer';
import {
  type Compiled,
  I32,
  I64,
  ID,
  MESSAGE,
  PACKED_I64,
  PACKED_VARINT,
  STRING,
  UNKNOWN,
  VARINT,
  child,
  compile,
} from './fast-walk-tables.js';
import { AnyValue, KeyValue, type MessageShape } from './shapes.js';
import { WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT } from './wire.js';

/** Thrown by the fast walk; the caller re-walks with paths for the message. */
export class FastWalkFailure extends Error {}
const FAIL = new FastWalkFailure('invalid');

let cursor = 0;
/** A view of the request being walked, for reading four bytes at a time. */
const NO_VIEW: DataView = new DataView(new ArrayBuffer(0));
let view: DataView = NO_VIEW;

const keyValue = compile(KeyValue);
const anyValue = compile(AnyValue);

function varint(b: Uint8Array, end: number): number {
  // Tags and most lengths fit in one byte; kept this small so it is inlined where it is called.
  if (cursor < end && b[cursor]! < 0x80) return b[cursor++]!;
  return varintSlow(b, end);
}

function varintSlow(b: Uint8Array, end: number): number {
  let result = 0;
  let multiplier = 1;
  for (let i = 0; i < 10; i++) {
    if (cursor >= end) throw FAIL;
    const byte = b[cursor++]!;
    result += (byte & 0x7f) * multiplier;
    if (byte < 0x80) return result;
    multiplier *= 128;
  }
  throw FAIL;
}

function skip(b: Uint8Array, end: number, wire: number): void {
  switch (wire) {
    case WIRE_VARINT:
      varint(b, end);
      return;
    case WIRE_I64:
      cursor += 8;
      if (cursor > end) throw FAIL;
      return;
    case WIRE_LEN: {
      const length = varint(b, end);
      cursor += length;
      if (cursor > end) throw FAIL;
      return;
    }
    case WIRE_I32:
      cursor += 4;
      if (cursor > end) throw FAIL;
      return;
    default:
      throw FAIL;
  }
}

/** Strings longer than this go straight to the native check (faster than any JS scan there). */
const NATIVE_UTF8_FROM = 512;

function validUtf8(b: Uint8Array, start: number, end: number): boolean {
  // ASCII eight bytes per test through the request's DataView (no object per string); the first
  // non-ASCII byte hands the string to the native check.
  if (end - start >= NATIVE_UTF8_FROM) return isUtf8(b.subarray(start, end));
  let i = start;
  for (const stop = end - 7; i < stop; i += 8)
    if ((view.getUint32(i, true) | view.getUint32(i + 4, true)) & 0x80808080)
      return isUtf8(b.subarray(start, end));
  for (; i < end; i++) if (b[i]! & 0x80) return isUtf8(b.subarray(start, end));
  return true;
}

/**
 * Walks one field whose tag `key` was just read: the generic path for every shape, which the
 * attribute walkers below reproduce inline for their common fields.
 */
function walkField(
  b: Uint8Array,
  end: number,
  shape: Compiled,
  key: number,
  depth: number,
  maxDepth: number,
): number {
  // key >>> 3 only for tags that fit 32 bits: a longer varint keeps the exact division.
  const field = key <= 0xffffffff ? key >>> 3 : Math.floor(key / 8);
  const wire = key & 7;
  if (field === 0) throw FAIL;
  const codes = shape.codes;
  const code = field < codes.length ? codes[field]! : UNKNOWN;
  switch (code) {
    case UNKNOWN:
      skip(b, end, wire);
      return 0;
    case VARINT:
      if (wire !== WIRE_VARINT) throw FAIL;
      varint(b, end);
      return 0;
    case I64:
      if (wire !== WIRE_I64) throw FAIL;
      skip(b, end, wire);
      return 0;
    case I32:
      if (wire !== WIRE_I32) throw FAIL;
      skip(b, end, wire);
      return 0;
    case PACKED_VARINT:
    case PACKED_I64: {
      const element = code === PACKED_VARINT ? WIRE_VARINT : WIRE_I64;
      if (wire === WIRE_LEN) {
        const length = varint(b, end);
        const stop = cursor + length;
        if (stop > end) throw FAIL;
        while (cursor < stop) skip(b, stop, element);
      } else if (wire === element) skip(b, end, wire);
      else throw FAIL;
      return 0;
    }
    default: {
      if (wire !== WIRE_LEN) throw FAIL;
      const length = varint(b, end);
      const start = cursor;
      const stop = start + length;
      if (stop > end) throw FAIL;
      let items = 0;
      if (code === STRING) {
        if (!validUtf8(b, start, stop)) throw FAIL;
      } else if (code === ID) {
        if (length !== 0 && length !== shape.idLength[field]) throw FAIL;
      } else if (code === MESSAGE) {
        if (shape.isItem[field]) items++;
        const inner = shape.children[field] ?? child(shape, field);
        if (inner === keyValue) walkKeyValue(b, stop, depth + 1, maxDepth);
        else if (inner === anyValue) walkAnyValue(b, stop, depth + 1, maxDepth);
        else items += walkMessage(b, stop, inner, depth + 1, maxDepth);
      }
      cursor = stop;
      return items;
    }
  }
}

function walkMessage(b: Uint8Array, end: number, shape: Compiled, depth: number, maxDepth: number): number {
  if (depth > maxDepth) throw FAIL;
  let items = 0;
  while (cursor < end) items += walkField(b, end, shape, varint(b, end), depth, maxDepth);
  return items;
}

/** The end of a length-delimited field whose tag was just read (its bytes start at `cursor`). */
function lengthEnd(b: Uint8Array, end: number): number {
  const length = varint(b, end);
  const stop = cursor + length;
  if (stop > end) throw FAIL;
  return stop;
}

// Attributes are most of a request's fields: KeyValue and AnyValue get walkers of their own that
// handle their usual fields inline (same checks as walkField) and hand anything else to walkField.
// Neither holds items, so they return nothing.
const TAG_KEY = (1 << 3) | WIRE_LEN; // KeyValue.key, AnyValue.string_value
const TAG_VALUE = (2 << 3) | WIRE_LEN; // KeyValue.value
const TAG_BOOL = (2 << 3) | WIRE_VARINT;
const TAG_INT = (3 << 3) | WIRE_VARINT;
const TAG_DOUBLE = (4 << 3) | WIRE_I64;
const TAG_BYTES = (7 << 3) | WIRE_LEN;

// The usual case is read with a local position (one-byte tags and lengths); anything else sets
// the cursor and goes through the generic code.
function walkKeyValue(b: Uint8Array, end: number, depth: number, maxDepth: number): void {
  if (depth > maxDepth) throw FAIL;
  let pos = cursor;
  while (pos < end) {
    const key = b[pos]!;
    if ((key === TAG_KEY || key === TAG_VALUE) && pos + 1 < end && b[pos + 1]! < 0x80) {
      const start = pos + 2;
      const stop = start + b[pos + 1]!;
      if (stop > end) throw FAIL;
      if (key === TAG_KEY) {
        if (!validUtf8(b, start, stop)) throw FAIL;
      } else {
        cursor = start;
        walkAnyValue(b, stop, depth + 1, maxDepth);
      }
      pos = stop;
      continue;
    }
    cursor = pos;
    const tag = varint(b, end);
    if (tag === TAG_VALUE) {
      const stop = lengthEnd(b, end);
      walkAnyValue(b, stop, depth + 1, maxDepth);
      cursor = stop;
    } else walkField(b, end, keyValue, tag, depth, maxDepth);
    pos = cursor;
  }
  cursor = pos;
}

function walkAnyValue(b: Uint8Array, end: number, depth: number, maxDepth: number): void {
  if (depth > maxDepth) throw FAIL;
  let pos = cursor;
  while (pos < end) {
    const key = b[pos]!;
    if (pos + 1 < end && b[pos + 1]! < 0x80) {
      if (key === TAG_KEY || key === TAG_BYTES) {
        const start = pos + 2;
        const stop = start + b[pos + 1]!;
        if (stop > end) throw FAIL;
        if (key === TAG_KEY && !validUtf8(b, start, stop)) throw FAIL;
        pos = stop;
        continue;
      }
      if (key === TAG_BOOL || key === TAG_INT) {
        pos += 2;
        continue;
      }
    }
    cursor = pos;
    const tag = varint(b, end);
    if (tag === TAG_KEY) {
      const stop = lengthEnd(b, end);
      if (!validUtf8(b, cursor, stop)) throw FAIL;
      cursor = stop;
    } else if (tag === TAG_BOOL || tag === TAG_INT) varint(b, end);
    else if (tag === TAG_DOUBLE) {
      cursor += 8;
      if (cursor > end) throw FAIL;
    } else if (tag === TAG_BYTES) cursor = lengthEnd(b, end);
    else walkField(b, end, anyValue, tag, depth, maxDepth);
    pos = cursor;
  }
  cursor = pos;
}

/** Item count of a valid request; throws FastWalkFailure for anything malformed. */
export function fastWalk(bytes: Uint8Array, shape: MessageShape, maxDepth: number): number {
  cursor = 0;
  view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    return walkMessage(bytes, bytes.length, compile(shape), 0, maxDepth);
  } finally {
    view = NO_VIEW; // the request's memory is not kept alive by the walker
  }
}

interface Yielding {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly maxDepth: number;
  readonly sliceBytes: number;
  readonly pause: () => Promise<void>;
  /** Bytes walked since the last pause. */
  walked: number;
}

/**
 * The same walk (same verdict, same items) for large requests, in slices of about `sliceBytes`
 * with `pause()` awaited between them, so validating a request of many megabytes does not hold the
 * event loop for its whole length. A message field longer than a slice is descended into here;
 * anything shorter is walked at once by the synchronous walk. Other requests may be walked during a
 * pause, so the cursor and view are set again before every synchronous part.
 */
export async function fastWalkYielding(
  bytes: Uint8Array,
  shape: MessageShape,
  maxDepth: number,
  sliceBytes: number,
  pause: () => Promise<void>,
): Promise<number> {
  const state: Yielding = {
    bytes,
    view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    maxDepth,
    sliceBytes,
    pause,
    walked: 0,
  };
  return walkYielding(state, 0, bytes.length, compile(shape), 0);
}

async function walkYielding(
  state: Yielding,
  start: number,
  end: number,
  shape: Compiled,
  depth: number,
): Promise<number> {
  if (depth > state.maxDepth) throw FAIL;
  const b = state.bytes;
  let pos = start;
  let items = 0;
  while (pos < end) {
    if (state.walked >= state.sliceBytes) {
      state.walked = 0;
      await state.pause();
    }
    cursor = pos;
    view = state.view;
    try {
      const key = varint(b, end);
      const field = key <= 0xffffffff ? key >>> 3 : Math.floor(key / 8);
      const code = field !== 0 && field < shape.codes.length ? shape.codes[field]! : UNKNOWN;
      if (code === MESSAGE && (key & 7) === WIRE_LEN) {
        const afterTag = cursor;
        const stop = lengthEnd(b, end);
        if (stop - cursor > state.sliceBytes) {
          if (shape.isItem[field]) items++;
          const inner = shape.children[field] ?? child(shape, field);
          items += await walkYielding(state, cursor, stop, inner, depth + 1);
          pos = stop;
          continue;
        }
        cursor = afterTag; // short enough: the synchronous walk reads its length again
      }
      items += walkField(b, end, shape, key, depth, state.maxDepth);
      state.walked += cursor - pos;
      pos = cursor;
    } finally {
      view = NO_VIEW;
    }
  }
  return items;
}
