/**
 * The receiver's hot path: an allocation-free walk of a request against shapes.ts that only answers
 * "valid, with N items" or throws. Shapes are compiled into flat per-field tables once; positions
 * live in one module-level cursor instead of reader objects; strings are checked for UTF-8 with an
 * ASCII scan first (most OTLP strings are short ASCII, and a Buffer view per string costs more than
 * the check). It accepts exactly what validate.ts's path-keeping walk accepts, which runs only after
 * this one failed, to name the broken field.
 */
import { isUtf8 } from 'node:buffer';
import type { FieldKind, MessageShape } from './shapes.js';
import { WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT } from './wire.js';

// Field codes in the compiled tables (plain numbers: they index typed arrays).
const UNKNOWN = 0;
const VARINT = 1;
const I64 = 2;
const I32 = 3;
const STRING = 4;
const BYTES = 5;
const ID = 6;
const PACKED_VARINT = 7;
const PACKED_I64 = 8;
const MESSAGE = 9;

interface Compiled {
  readonly codes: Uint8Array;
  /** Required length of id fields (or 0 = empty allowed too). */
  readonly idLength: Uint8Array;
  /** Child message shapes, compiled on first use (shapes refer to each other recursively). */
  readonly children: (Compiled | undefined)[];
  readonly childKinds: (FieldKind | undefined)[];
  readonly isItem: Uint8Array;
}

/** Thrown by the fast walk; the caller re-walks with paths for the message. */
export class FastWalkFailure extends Error {}
const FAIL = new FastWalkFailure('invalid');

const compiledByShape = new WeakMap<MessageShape, Compiled>();
const compiledByKind = new WeakMap<FieldKind, Compiled>();

function compile(shape: MessageShape): Compiled {
  const cached = compiledByShape.get(shape);
  if (cached) return cached;
  const size = Math.max(0, ...shape.keys()) + 1;
  const compiled: Compiled = {
    codes: new Uint8Array(size),
    idLength: new Uint8Array(size),
    children: new Array<Compiled | undefined>(size),
    childKinds: new Array<FieldKind | undefined>(size),
    isItem: new Uint8Array(size),
  };
  compiledByShape.set(shape, compiled);
  for (const [number, { kind }] of shape) {
    switch (kind.t) {
      case 'varint':
        compiled.codes[number] = VARINT;
        break;
      case 'i64':
        compiled.codes[number] = I64;
        break;
      case 'i32':
        compiled.codes[number] = I32;
        break;
      case 'string':
        compiled.codes[number] = STRING;
        break;
      case 'bytes':
        compiled.codes[number] = BYTES;
        break;
      case 'id':
        compiled.codes[number] = ID;
        compiled.idLength[number] = kind.n;
        break;
      case 'packed':
        compiled.codes[number] = kind.element === 'varint' ? PACKED_VARINT : PACKED_I64;
        break;
      case 'message': {
        compiled.codes[number] = MESSAGE;
        compiled.isItem[number] = kind.item ? 1 : 0;
        compiled.childKinds[number] = kind;
        break;
      }
    }
  }
  return compiled;
}

/** Compiles a child shape on first use. Child shapes may be built by a function on each call
 * (resource containers), so they are cached per field kind. */
function child(parent: Compiled, field: number): Compiled {
  const kind = parent.childKinds[field]!;
  let compiled = compiledByKind.get(kind);
  if (!compiled) {
    if (kind.t !== 'message') throw new Error('not a message field');
    compiled = compile(kind.shape());
    compiledByKind.set(kind, compiled);
  }
  parent.children[field] = compiled;
  return compiled;
}

let cursor = 0;

function varint(b: Uint8Array, end: number): number {
  // Tags and most lengths fit in one byte.
  if (cursor < end && b[cursor]! < 0x80) return b[cursor++]!;
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

function validUtf8(b: Uint8Array, start: number, end: number): boolean {
  // ASCII four bytes per test; the first non-ASCII byte hands the string to the native check.
  let i = start;
  for (const stop = end - 3; i < stop; i += 4)
    if ((b[i]! | b[i + 1]! | b[i + 2]! | b[i + 3]!) & 0x80) return isUtf8(b.subarray(start, end));
  for (; i < end; i++) if (b[i]! & 0x80) return isUtf8(b.subarray(start, end));
  return true;
}

function walkMessage(b: Uint8Array, end: number, shape: Compiled, depth: number, maxDepth: number): number {
  if (depth > maxDepth) throw FAIL;
  let items = 0;
  const codes = shape.codes;
  while (cursor < end) {
    const key = varint(b, end);
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (field === 0) throw FAIL;
    const code = field < codes.length ? codes[field]! : UNKNOWN;
    switch (code) {
      case UNKNOWN:
        skip(b, end, wire);
        break;
      case VARINT:
        if (wire !== WIRE_VARINT) throw FAIL;
        varint(b, end);
        break;
      case I64:
        if (wire !== WIRE_I64) throw FAIL;
        skip(b, end, wire);
        break;
      case I32:
        if (wire !== WIRE_I32) throw FAIL;
        skip(b, end, wire);
        break;
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
        break;
      }
      default: {
        if (wire !== WIRE_LEN) throw FAIL;
        const length = varint(b, end);
        const start = cursor;
        const stop = start + length;
        if (stop > end) throw FAIL;
        if (code === STRING) {
          if (!validUtf8(b, start, stop)) throw FAIL;
        } else if (code === ID) {
          if (length !== 0 && length !== shape.idLength[field]) throw FAIL;
        } else if (code === MESSAGE) {
          if (shape.isItem[field]) items++;
          items += walkMessage(b, stop, shape.children[field] ?? child(shape, field), depth + 1, maxDepth);
        }
        cursor = stop;
      }
    }
  }
  return items;
}

/** Item count of a valid request; throws FastWalkFailure for anything malformed. */
export function fastWalk(bytes: Uint8Array, shape: MessageShape, maxDepth: number): number {
  cursor = 0;
  return walkMessage(bytes, bytes.length, compile(shape), 0, maxDepth);
}
