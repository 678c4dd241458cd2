/**
 * Reading an OTLP/HTTP body: into one buffer sized by Content-Length (or a chunk list when the body
 * is chunked), inflated chunk by chunk when it is compressed, every byte counted in the request's
 * lease and bounded before and after decompression.
 *
 * Body buffers come from a small pool (core/buffer-pool.ts): under load the GC that fresh large
 * buffers start was a third of the receiver's CPU and its longest event-loop pauses (a request body
 * is one of the few such copies per request, beside the socket's own read buffers). A buffer goes
 * back to the pool only when its request was acknowledged by Kafka: the Kafka client writes record
 * values to the socket without copying them (patches/README.md), and by the acknowledgement those
 * writes are done and nothing holds the body; after any failure the buffer is left to the garbage
 * collector instead.
 */
import type { Readable } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';
import { BufferPool } from '../core/buffer-pool.js';
import { TributaryError } from '../core/errors.js';
import type { Lease } from './admission.js';

/**
 * Idle body buffers the receiver keeps for reuse, for both transports (one pool per process: the
 * OTLP/gRPC message allocator is process-wide), within RECEIVER_BASE_BYTES' headroom.
 */
export const BODY_POOL_BYTES = 16 * 1024 * 1024;

/**
 * Free body buffers (core/buffer-pool.ts): 64 KiB to 4 MiB size classes, at most `maxBytes` idle in
 * all (counted in the receiver's base memory, see admission.ts RECEIVER_BASE_BYTES); rarer, larger
 * bodies are allocated and collected as before.
 */
export class BodyPool extends BufferPool {
  constructor(maxBytes: number) {
    super({ minBytes: 64 * 1024, maxBufferBytes: 4 * 1024 * 1024, maxIdleBytes: maxBytes });
  }
}

/** Inflates chunk by chunk: every chunk joins the lease, and inflation stops at maxBytes. */
export function decompress(
  body: Buffer,
  encoding: string | undefined,
  maxBytes: number,
  lease: Lease,
): Promise<Buffer> {
  const enc = (encoding ?? 'identity').toLowerCase().trim();
  if (enc === 'identity' || enc === '') {
    if (body.length > maxBytes)
      return Promise.reject(
        new TributaryError('PAYLOAD_TOO_LARGE', `body of ${body.length} bytes exceeds ${maxBytes}`),
      );
    return Promise.resolve(body);
  }
  if (enc !== 'gzip' && enc !== 'deflate')
    return Promise.reject(
      new TributaryError(
        'UNSUPPORTED_MEDIA_TYPE',
        `Content-Encoding ${enc} is not supported (use gzip, deflate or none)`,
      ),
    );
  return new Promise((resolve, reject) => {
    const inflater = enc === 'gzip' ? createGunzip() : createInflate();
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    const fail = (err: TributaryError): void => {
      if (failed) return;
      failed = true;
      inflater.destroy();
      reject(err);
    };
    inflater.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // A gzip bomb costs at most maxBytes (and never more than the budget allows).
      if (size > maxBytes) {
        fail(new TributaryError('PAYLOAD_TOO_LARGE', `body exceeds ${maxBytes} bytes after decompression`));
        return;
      }
      try {
        lease.grow(chunk.length);
      } catch (err) {
        fail(err as TributaryError);
        return;
      }
      chunks.push(chunk);
    });
    inflater.once('end', () => {
      if (!failed) resolve(Buffer.concat(chunks, size));
    });
    inflater.once('error', (err: Error) =>
      fail(new TributaryError('BAD_REQUEST', `cannot ${enc}-decompress the body: ${err.message}`)),
    );
    inflater.end(body);
  });
}

/**
 * Reads a body chunk by chunk into the request's lease, up to maxBytes. With a declared length the
 * body is copied into one (pooled) buffer of that size as it arrives; a chunked body is gathered
 * and joined once at its end.
 */
export function readBody(
  payload: Readable,
  maxBytes: number,
  lease: Lease,
  pool: BodyPool,
  declared?: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const whole = declared !== undefined ? pool.take(declared) : undefined;
    const chunks: Buffer[] = [];
    const limit = whole ? whole.length : maxBytes;
    let size = 0;
    let failed = false;
    const fail = (err: unknown): void => {
      if (failed) return;
      failed = true;
      payload.removeAllListeners('data');
      payload.pause();
      reject(err instanceof Error ? err : new Error(String(err)));
    };
    payload.on('data', (chunk: Buffer) => {
      if (size + chunk.length > limit) {
        fail(new TributaryError('PAYLOAD_TOO_LARGE', `body exceeds ${limit} bytes`));
        return;
      }
      try {
        lease.ensure(size + chunk.length);
      } catch (err) {
        fail(err);
        return;
      }
      if (whole) chunk.copy(whole, size);
      else chunks.push(chunk);
      size += chunk.length;
    });
    payload.once('end', () => {
      if (!failed) resolve(whole ? whole.subarray(0, size) : Buffer.concat(chunks, size));
    });
    payload.once('error', (err: Error) =>
      fail(new TributaryError('BAD_REQUEST', `cannot read the body: ${err.message}`)),
    );
  });
}
