/**
 * The writer's insert bodies in reused memory (core/buffer-pool.ts). A batch's (table, day) bodies
 * grow to tens of MiB; grown from a small buffer by doubling, each body was copied ~twice over into
 * fresh memory, and every dropped buffer added to the external memory that starts V8's full
 * collections: the profile of a trace drain put those copies at ~17 % and GC at ~17 % of the writer's
 * CPU. A body now starts at the size its table's last body reached, in memory a written batch gave
 * back, so a steady writer allocates no body memory at all.
 *
 * At most BODY_POOL_BYTES idle (part of the writer's memory bound, writer/setup.ts). A batch gives
 * its bodies back only after its last insert returned (the server answered, so no socket reads them).
 */
import { BufferPool } from '../core/buffer-pool.js';

/** The smallest pooled body: smaller ones are cheap to allocate and grow. */
export const MIN_POOLED_BYTES = 1 << 20;
/** The smallest start of a body whose table's last body was small: still from the pool. */
const MIN_START_BYTES = MIN_POOLED_BYTES;
/** The largest start of a table's first body (a huge batch budget grows it as it fills instead). */
const MAX_FIRST_START_BYTES = 1 << 25;

/** Idle insert-body memory one writer process keeps, all its signals together. */
export const BODY_POOL_BYTES = 64 * 1024 * 1024;

export function bodyBufferPool(maxIdleBytes: number): BufferPool {
  return new BufferPool({ minBytes: MIN_POOLED_BYTES, maxBufferBytes: 1 << 30, maxIdleBytes });
}

/** The process's pool of insert bodies. */
export const bodyPool = bodyBufferPool(BODY_POOL_BYTES);

/** How large each table's bodies became: where the next body of the table starts. */
export class BodySizes {
  private readonly lastLength = new Map<string, number>();

  /** The size a new body of `table` starts at: the last one's length as a power of two, else `first`. */
  startSize(table: string, first: number): number {
    const last = this.lastLength.get(table);
    if (last === undefined) return Math.min(first, MAX_FIRST_START_BYTES);
    return 2 ** Math.ceil(Math.log2(Math.max(last, MIN_START_BYTES)));
  }

  /** Notes the length a body of `table` reached. */
  noteLength(table: string, length: number): void {
    this.lastLength.set(table, length);
  }
}

/** The process's body sizes. */
export const bodySizes = new BodySizes();
