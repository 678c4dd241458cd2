/**
 * Request bodies in the two compressions ClickHouse's HTTP interface reads besides zlib's, so the
 * clients that use them (Rotel's exporter and clickhouse-go send lz4 by default) work against the
 * local server as against a real one:
 *
 * - `Content-Encoding: lz4` — the LZ4 *frame* format (the server reads it with LZ4F_decompress,
 *   `Lz4InflatingReadBuffer`);
 * - the `decompress=1` URL parameter — ClickHouse's own compressed blocks (`CompressedReadBuffer`),
 *   one after another: a 16-byte checksum (CityHash128 v1.0.2 of the rest of the block, low then high
 *   64 bits, little-endian), a 9-byte header — method byte (0x82 LZ4, 0x90 ZSTD, 0x02 none), the
 *   compressed size including the header, the decompressed size (UInt32 LE each) — and the data.
 *   Every block of a body must use the same method; the checksum is checked unless the request sets
 *   `http_native_compression_disable_checksumming_on_decompress=1`.
 *
 * LZ4 itself is lz4-napi's (lz4_flex through N-API, prebuilt per platform): a maintained codec for both
 * the frame and the block format, where the other npm LZ4 packages are unmaintained, frame-only or
 * need a native build. ZSTD is Node's own. Errors carry the codes and messages a server gives.
 */
import { createRequire } from 'node:module';
import { zstdDecompressSync } from 'node:zlib';
import { cityHash128 } from './cityhash102.js';
import { EngineError } from './engine.js';

interface Lz4Napi {
  decompressFrame(data: Uint8Array): Promise<Buffer>;
  uncompressSync(data: Uint8Array): Buffer;
}

let lz4: Lz4Napi | undefined;

function lz4Codec(): Lz4Napi {
  if (lz4) return lz4;
  try {
    lz4 = createRequire(import.meta.url)('lz4-napi') as Lz4Napi;
  } catch {
    throw new EngineError(
      'LZ4 needs the optional npm package lz4-napi, which is not installed (npm ci installs it)',
      1,
      'UNSUPPORTED_METHOD',
    );
  }
  return lz4;
}

const LZ4_FRAME_MAGIC = 0x184d2204;
/** Skippable frames: magic numbers 0x184D2A50 to 0x184D2A5F. */
const LZ4_SKIPPABLE_MASK = 0xfffffff0;
const LZ4_SKIPPABLE_MAGIC = 0x184d2a50;

function lz4FrameError(detail: string): EngineError {
  return new EngineError(`LZ4 decompression failed. Error: ${detail}`, 618, 'LZ4_DECODER_FAILED');
}

/**
 * The most bytes an LZ4 frame sequence can decompress to (each block at most its frame's block size),
 * read from its framing alone: a small body that would inflate past the limit is refused before any
 * of it is decompressed.
 */
function lz4FrameBound(body: Uint8Array): number {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  let at = 0;
  let bound = 0;
  const need = (bytes: number): void => {
    if (at + bytes > body.length) throw lz4FrameError('truncated frame');
  };
  while (at < body.length) {
    need(4);
    const magic = view.getUint32(at, true);
    at += 4;
    if ((magic & LZ4_SKIPPABLE_MASK) >>> 0 === LZ4_SKIPPABLE_MAGIC) {
      need(4);
      at += 4 + view.getUint32(at, true);
      need(0);
      continue;
    }
    if (magic !== LZ4_FRAME_MAGIC) throw lz4FrameError('unknown frame type (not the LZ4 frame format)');
    need(2);
    const flags = body[at]!;
    const blockSizeCode = (body[at + 1]! >> 4) & 7;
    if (flags >> 6 !== 1 || blockSizeCode < 4) throw lz4FrameError('invalid frame header');
    const blockMax = 1 << (2 * blockSizeCode + 8); // 64 KiB, 256 KiB, 1 MiB, 4 MiB
    const blockChecksum = (flags & 0x10) !== 0;
    at += 2 + ((flags & 0x08) !== 0 ? 8 : 0) + ((flags & 0x01) !== 0 ? 4 : 0) + 1; // sizes, dict id, header checksum
    for (;;) {
      need(4);
      const size = view.getUint32(at, true) & 0x7fffffff;
      at += 4;
      if (size === 0) break; // end mark
      at += size + (blockChecksum ? 4 : 0);
      need(0);
      bound += blockMax;
    }
    if ((flags & 0x04) !== 0) at += 4; // content checksum
    need(0);
  }
  return bound;
}

/** A body sent with `Content-Encoding: lz4`, decompressed; at most `limit` bytes. */
export async function decompressLz4Frames(body: Uint8Array, limit: number): Promise<Buffer> {
  const bound = lz4FrameBound(body);
  if (bound > limit)
    throw new EngineError(
      `Request body larger than ${limit} bytes (its LZ4 frames declare up to ${bound})`,
      307,
      'TOO_MANY_BYTES',
    );
  let out: Buffer;
  try {
    out = bound === 0 ? Buffer.alloc(0) : await lz4Codec().decompressFrame(body);
  } catch (err) {
    if (err instanceof EngineError) throw err;
    throw lz4FrameError(err instanceof Error ? err.message : String(err));
  }
  if (out.length > limit)
    throw new EngineError(`Request body larger than ${limit} bytes`, 307, 'TOO_MANY_BYTES');
  return out;
}

export const METHOD_NONE = 0x02;
export const METHOD_LZ4 = 0x82;
export const METHOD_ZSTD = 0x90;
const CHECKSUM_BYTES = 16;
const HEADER_BYTES = 9;
/** DBMS_MAX_COMPRESSED_SIZE: a larger block is taken for corruption. */
const MAX_COMPRESSED_BLOCK = 0x40000000;

const hex64 = (bytes: Uint8Array, at: number): string =>
  Buffer.from(bytes.subarray(at, at + 8))
    .reverse()
    .toString('hex');

function decompressBlock(method: number, data: Uint8Array, size: number): Uint8Array {
  if (method === METHOD_NONE) {
    if (data.length !== size)
      throw new EngineError(
        `Cannot decompress: block of method NONE holds ${data.length} bytes, its header says ${size}`,
        271,
        'CANNOT_DECOMPRESS',
      );
    return data;
  }
  let out: Uint8Array;
  try {
    if (method === METHOD_LZ4) {
      // lz4-napi's block decoder takes the decompressed size as a 4-byte prefix.
      const sized = Buffer.allocUnsafe(4 + data.length);
      sized.writeUInt32LE(size, 0);
      sized.set(data, 4);
      out = lz4Codec().uncompressSync(sized);
    } else out = zstdDecompressSync(data, { maxOutputLength: Math.max(1, size) });
  } catch (err) {
    if (err instanceof EngineError) throw err;
    const name = method === METHOD_LZ4 ? 'LZ4' : 'ZSTD';
    throw new EngineError(
      `Cannot decompress ${name}-encoded data: ${err instanceof Error ? err.message : String(err)}`,
      271,
      'CANNOT_DECOMPRESS',
    );
  }
  if (out.length !== size)
    throw new EngineError(
      `Cannot decompress: the block decompressed to ${out.length} bytes, its header says ${size}`,
      271,
      'CANNOT_DECOMPRESS',
    );
  return out;
}

export interface BlockOptions {
  /** Total decompressed bytes allowed. */
  readonly limit: number;
  /** http_native_compression_disable_checksumming_on_decompress */
  readonly skipChecksum?: boolean;
}

/** A body sent with `decompress=1`: ClickHouse's compressed blocks, checked and decompressed. */
export function decompressClickHouseBlocks(body: Uint8Array, options: BlockOptions): Buffer {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const parts: Uint8Array[] = [];
  let total = 0;
  let method: number | undefined;
  for (let at = 0; at < body.length;) {
    if (at + CHECKSUM_BYTES + HEADER_BYTES > body.length)
      throw new EngineError(
        `Cannot read all data. Bytes read: ${body.length - at}. Bytes expected: ${CHECKSUM_BYTES + HEADER_BYTES}`,
        33,
        'CANNOT_READ_ALL_DATA',
      );
    const header = at + CHECKSUM_BYTES;
    const blockMethod = body[header]!;
    if (blockMethod !== METHOD_NONE && blockMethod !== METHOD_LZ4 && blockMethod !== METHOD_ZSTD)
      throw new EngineError(`Unknown codec family code: ${blockMethod}`, 432, 'UNKNOWN_CODEC');
    if (method !== undefined && blockMethod !== method)
      throw new EngineError(
        `Data compressed with different methods, given method byte 0x${blockMethod.toString(16)}, previous method byte 0x${method.toString(16)}`,
        271,
        'CANNOT_DECOMPRESS',
      );
    method = blockMethod;
    const compressed = view.getUint32(header + 1, true);
    const size = view.getUint32(header + 5, true);
    if (compressed > MAX_COMPRESSED_BLOCK)
      throw new EngineError(
        `Too large size_compressed_without_checksum: ${compressed}. Most likely corrupted data.`,
        39,
        'TOO_LARGE_SIZE_COMPRESSED',
      );
    if (compressed < HEADER_BYTES)
      throw new EngineError(
        `Can't decompress data: the compressed data size (${compressed}, this should include header size) is less than the header size (${HEADER_BYTES})`,
        246,
        'CORRUPTED_DATA',
      );
    const end = header + compressed;
    if (end > body.length)
      throw new EngineError(
        `Cannot read all data. Bytes read: ${body.length - header}. Bytes expected: ${compressed}`,
        33,
        'CANNOT_READ_ALL_DATA',
      );
    const block = body.subarray(header, end);
    if (!options.skipChecksum) {
      const actual = cityHash128(block);
      if (!actual.equals(body.subarray(at, header)))
        throw new EngineError(
          `Checksum doesn't match: corrupted data. Reference: ${hex64(body, at)}${hex64(body, at + 8)}. Actual: ${hex64(actual, 0)}${hex64(actual, 8)}. Size of compressed block: ${compressed}`,
          40,
          'CHECKSUM_DOESNT_MATCH',
        );
    }
    total += size;
    if (total > options.limit)
      throw new EngineError(`Request body larger than ${options.limit} bytes`, 307, 'TOO_MANY_BYTES');
    parts.push(decompressBlock(blockMethod, block.subarray(HEADER_BYTES), size));
    at = end;
  }
  return Buffer.concat(parts, total);
}
