/**
 * The request body as clickhouse-server's HTTP handler reads it: first undone by its
 * Content-Encoding (gzip, deflate, br, zstd, lz4), then, with `decompress=1`, taken apart as
 * ClickHouse's own compressed blocks (compressed-body.ts). A multipart body (external data, form
 * fields) is read as sent, as the server does too (it parses multipart from the raw request stream),
 * so a compressed one fails here as it would there. Every stage is bounded by the same limit.
 */
import type { IncomingMessage } from 'node:http';
import type { Readable, Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate, createZstdDecompress } from 'node:zlib';
import { decompressClickHouseBlocks, decompressLz4Frames } from './compressed-body.js';
import { EngineError } from './engine.js';

/** Streaming decoders by Content-Encoding: the ones a server has that Node's zlib also has. */
const STREAM_DECODERS: Readonly<Record<string, () => Transform>> = {
  gzip: createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
  zstd: createZstdDecompress,
};

export interface BodyOptions {
  /** Bytes allowed, before and after each decompression. */
  readonly limit: number;
  /** A multipart body: read as sent. */
  readonly multipart: boolean;
  /** The request's URL parameters: `decompress`, `http_native_compression_disable_checksumming_on_decompress`. */
  readonly params: URLSearchParams;
}

const isOn = (value: string | null): boolean => /^(1|true)$/i.test(value ?? '');

function collect(stream: Readable, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        stream.destroy();
        reject(new EngineError(`Request body larger than ${limit} bytes`, 307, 'TOO_MANY_BYTES'));
        return;
      }
      chunks.push(chunk);
    });
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', (err) =>
      reject(new EngineError(`Cannot read the request body: ${err.message}`, 33, 'CANNOT_READ_ALL_DATA')),
    );
  });
}

export async function readRequestBody(req: IncomingMessage, options: BodyOptions): Promise<Buffer> {
  const { limit, multipart, params } = options;
  const encoding = multipart ? '' : (req.headers['content-encoding'] ?? '').toLowerCase().trim();
  let body: Buffer;
  if (!encoding || encoding === 'identity') body = await collect(req, limit);
  else if (encoding === 'lz4') body = await decompressLz4Frames(await collect(req, limit), limit);
  else {
    const decoder = STREAM_DECODERS[encoding];
    if (!decoder)
      throw new EngineError(
        `Content-Encoding ${encoding} is not decompressed by the local server (gzip, deflate, br, zstd and lz4 are)`,
        36,
        'BAD_ARGUMENTS',
      );
    body = await collect(req.pipe(decoder()), limit);
  }
  if (!isOn(params.get('decompress'))) return body;
  if (multipart)
    throw new EngineError(
      'the local ClickHouse server does not read decompress=1 with a multipart body (external data); compress the parts with Content-Encoding instead, or send the data as the body',
      1,
      'UNSUPPORTED_METHOD',
    );
  return decompressClickHouseBlocks(body, {
    limit,
    skipChecksum: isOn(params.get('http_native_compression_disable_checksumming_on_decompress')),
  });
}
