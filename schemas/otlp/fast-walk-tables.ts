/**
 * The fast walk's tables: each MessageShape of shapes.ts compiled once into flat per-field arrays
 * (a code per field number, id lengths, item marks, child tables compiled on first use).
 */
import type { FieldKind, MessageShape } from './shapes.js';

// Field codes in the compiled tables (plain numbers: they index typed arrays).
export const UNKNOWN = 0;
export const VARINT = 1;
export const I64 = 2;
export const I32 = 3;
export const STRING = 4;
export const BYTES = 5;
export const ID = 6;
export const PACKED_VARINT = 7;
export const PACKED_I64 = 8;
export const MESSAGE = 9;

export interface Compiled {
  readonly codes: Uint8Array;
  /** Required length of id fields (or 0 = empty allowed too). */
  readonly idLength: Uint8Array;
  /** Child message shapes, compiled on first use (shapes refer to each other recursively). */
  readonly children: (Compiled | undefined)[];
  readonly childKinds: (FieldKind | undefined)[];
  readonly isItem: Uint8Array;
}

const compiledByShape = new WeakMap<MessageShape, Compiled>();
const compiledByKind = new WeakMap<FieldKind, Compiled>();

export function compile(shape: MessageShape): Compiled {
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
export function child(parent: Compiled, field: number): Compiled {
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
