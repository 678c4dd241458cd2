/**
 * Re-frames ClickHouse Native data between protocol revisions. chdb writes Native as revision 0 (a
 * file format: no block info, no per-column serialization flag); clickhouse-server's HTTP interface
 * writes it at the revision the client names in `client_protocol_version`, and clickhouse-go (the
 * OpenTelemetry Collector's clickhouseexporter) reads every HTTP result that way:
 *   - revision > 0: each block starts with its BlockInfo (field 1: is_overflows UInt8, field 2:
 *     bucket_num Int32, field 0: end);
 *   - revision >= 54454: each column header has one more byte after its type name, "has custom
 *     serialization" (0 here: chdb never sends sparse columns in Native).
 * Column data is the same at every revision for the types parsed in native-types.ts, so the walker
 * only steps over it (by type) to find where each block ends and copies it untouched.
 * Hand-written because no npm library walks Native blocks; kept to framing, no value decoding.
 */
import { EngineError } from './engine.js';
import { type NativeType, parseNativeType } from './native-types.js';

/** The first protocol revision whose column headers carry the custom-serialization flag. */
export const REVISION_WITH_CUSTOM_SERIALIZATION = 54454;

/** BlockInfo as clickhouse-server writes it for an ordinary result block. */
const BLOCK_INFO = Buffer.from([0x01, 0x00, 0x02, 0xff, 0xff, 0xff, 0xff, 0x00]);
const NO_CUSTOM_SERIALIZATION = Buffer.from([0x00]);

export class NativeFramingError extends EngineError {
  constructor(message: string) {
    super(`Native data: ${message}`, 33, 'CANNOT_READ_ALL_DATA');
    this.name = 'NativeFramingError';
  }
}

class Cursor {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  need(bytes: number): void {
    if (bytes < 0 || this.pos + bytes > this.buf.length)
      throw new NativeFramingError(`truncated at byte ${this.pos} (wanted ${bytes} more)`);
  }
  skip(bytes: number): void {
    this.need(bytes);
    this.pos += bytes;
  }
  byte(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }
  varUInt(): number {
    let value = 0;
    for (let shift = 0; shift < 53; shift += 7) {
      const b = this.byte();
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
    throw new NativeFramingError(`variable-length integer too long at byte ${this.pos}`);
  }
  uint64(): number {
    this.need(8);
    const value = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new NativeFramingError(`count ${value} too large`);
    return Number(value);
  }
  string(): void {
    this.skip(this.varUInt());
  }
}

/** Steps over the serialization state prefix a column writes before its data. */
function skipPrefix(cursor: Cursor, type: NativeType): void {
  switch (type.kind) {
    case 'nullable':
    case 'array':
      skipPrefix(cursor, type.inner);
      return;
    case 'tuple':
      for (const element of type.elements) skipPrefix(cursor, element);
      return;
    case 'lowCardinality': {
      const version = cursor.uint64();
      // 1 = SharedDictionariesWithAdditionalKeys, the only version the server writes.
      if (version !== 1) throw new NativeFramingError(`LowCardinality key version ${version}`);
      return;
    }
    default:
      return;
  }
}

const LC_INDEX_WIDTHS = [1, 2, 4, 8];
const LC_NEEDS_GLOBAL_DICTIONARY = 1 << 8;
const LC_HAS_ADDITIONAL_KEYS = 1 << 9;

function skipLowCardinality(cursor: Cursor, dictionary: NativeType, rows: number): void {
  // Chunks of (flags, optional keys, indexes) until the block's rows are covered.
  for (let left = rows; left > 0;) {
    const flags = cursor.uint64();
    const width = LC_INDEX_WIDTHS[flags & 0xff];
    if (width === undefined) throw new NativeFramingError(`LowCardinality index type ${flags & 0xff}`);
    if (flags & LC_NEEDS_GLOBAL_DICTIONARY)
      throw new NativeFramingError('LowCardinality with a global dictionary is not Native');
    if (flags & LC_HAS_ADDITIONAL_KEYS) skipData(cursor, dictionary, cursor.uint64());
    const count = cursor.uint64();
    if (count === 0 || count > left) throw new NativeFramingError(`LowCardinality chunk of ${count} rows`);
    cursor.skip(count * width);
    left -= count;
  }
}

/** Steps over `rows` values of a column (all its streams, as Native writes them one after another). */
function skipData(cursor: Cursor, type: NativeType, rows: number): void {
  if (rows === 0) return;
  switch (type.kind) {
    case 'fixed':
      cursor.skip(rows * type.width);
      return;
    case 'string':
      for (let i = 0; i < rows; i++) cursor.string();
      return;
    case 'nullable':
      cursor.skip(rows);
      skipData(cursor, type.inner, rows);
      return;
    case 'array': {
      cursor.need(rows * 8);
      const last = cursor.buf.readBigUInt64LE(cursor.pos + (rows - 1) * 8);
      cursor.skip(rows * 8);
      if (last > BigInt(Number.MAX_SAFE_INTEGER)) throw new NativeFramingError(`array offset ${last}`);
      skipData(cursor, type.inner, Number(last));
      return;
    }
    case 'tuple':
      for (const element of type.elements) skipData(cursor, element, rows);
      return;
    case 'lowCardinality':
      skipLowCardinality(cursor, type.dictionary, rows);
      return;
  }
}

/** One column of a block: where its header (name + type) and its data lie in the source bytes. */
export interface NativeColumnSpan {
  readonly header: readonly [number, number];
  readonly data: readonly [number, number];
  readonly type: string;
}

export interface NativeBlockSpan {
  /** The two counts (columns, rows) as written. */
  readonly counts: readonly [number, number];
  readonly rows: number;
  readonly columns: readonly NativeColumnSpan[];
}

function skipBlockInfo(cursor: Cursor): void {
  for (;;) {
    const field = cursor.varUInt();
    if (field === 0) return;
    if (field === 1) cursor.skip(1);
    else if (field === 2) cursor.skip(4);
    else throw new NativeFramingError(`unknown block info field ${field}`);
  }
}

/** Lists the blocks of a Native stream written at `revision`. */
export function walkNative(bytes: Uint8Array, revision: number): NativeBlockSpan[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const cursor = new Cursor(buf);
  const types = new Map<string, NativeType>();
  const blocks: NativeBlockSpan[] = [];
  while (cursor.pos < buf.length) {
    if (revision > 0) skipBlockInfo(cursor);
    const countsStart = cursor.pos;
    const columnCount = cursor.varUInt();
    const rows = cursor.varUInt();
    const counts = [countsStart, cursor.pos] as const;
    const columns: NativeColumnSpan[] = [];
    for (let c = 0; c < columnCount; c++) {
      const headerStart = cursor.pos;
      cursor.string();
      const typeLength = cursor.varUInt();
      cursor.need(typeLength);
      const typeName = buf.toString('utf8', cursor.pos, cursor.pos + typeLength);
      cursor.skip(typeLength);
      const header = [headerStart, cursor.pos] as const;
      if (revision >= REVISION_WITH_CUSTOM_SERIALIZATION && cursor.byte() !== 0)
        throw new NativeFramingError(`column ${c} has a custom (sparse) serialization`);
      const dataStart = cursor.pos;
      if (rows > 0) {
        let type = types.get(typeName);
        if (!type) types.set(typeName, (type = parseNativeType(typeName)));
        skipPrefix(cursor, type);
        skipData(cursor, type, rows);
      }
      columns.push({ header, data: [dataStart, cursor.pos], type: typeName });
    }
    blocks.push({ counts, rows, columns });
  }
  return blocks;
}

/** The same blocks, written for a reader at another revision. Data bytes are copied unchanged. */
export function reframeNative(bytes: Uint8Array, from: number, to: number): Buffer {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts: Buffer[] = [];
  for (const block of walkNative(buf, from)) {
    if (to > 0) parts.push(BLOCK_INFO);
    parts.push(buf.subarray(block.counts[0], block.counts[1]));
    for (const column of block.columns) {
      parts.push(buf.subarray(column.header[0], column.header[1]));
      if (to >= REVISION_WITH_CUSTOM_SERIALIZATION) parts.push(NO_CUSTOM_SERIALIZATION);
      parts.push(buf.subarray(column.data[0], column.data[1]));
    }
  }
  return Buffer.concat(parts);
}
