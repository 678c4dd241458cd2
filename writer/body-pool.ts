/**
 * Large insert-body buffers kept for the next batch. A batch's (table, day) bodies grow to tens of
 * MiB; grown from a small buffer by doubling, each body was copied ~twice over into fresh memory
 * whose pages the kernel then faults in one by one, and every dropped buffer added to the external
 * memory that starts V8's full collections. The profile of a trace drain put those growth copies at
 * ~11 % and GC at ~12 % of the writer's CPU. A body taken from here is already large and its pages
 * are already mapped, so a steady writer allocates no body memory at all.
 *
 * Only buffers at least MIN_POOLED_BYTES long are kept, at most `maxBytes` of them at once (part of
 * the writer's memory bound, writer/setup.ts). A buffer is given back only by the batch that owns it,
 * after its last insert finished (the server answered, so no socket still reads it).
 */
export const MIN_POOLED_BYTES = 1 << 20;
/** The smallest start of a body whose table's last body was small. */
const MIN_START_BYTES = 1 << 16;
/** The largest start of a table's first body (a huge batch budget grows it as it fills instead). */
const MAX_FIRST_START_BYTES = 1 << 25;

export class BodyPool {
  private readonly free: Buffer[] = [];
  private freeBytes = 0;
  /** The length the last body of each table reached: where the next one starts. */
  private readonly lastLength = new Map<string, number>();

  constructor(readonly maxBytes: number) {}

  /** Bytes held by free buffers. */
  get heldBytes(): number {
    return this.freeBytes;
  }

  /** The size a new body of `table` starts at: the last one's length as a power of two, else `first`. */
  startSize(table: string, first: number): number {
    const last = this.lastLength.get(table);
    if (last === undefined) return Math.min(first, MAX_FIRST_START_BYTES);
    return 2 ** Math.ceil(Math.log2(Math.max(last, MIN_START_BYTES)));
  }

  /** Notes the length a body of `table` reached (for `startSize`). */
  noteLength(table: string, length: number): void {
    this.lastLength.set(table, length);
  }

  /** The smallest free buffer of at least `minBytes`, or undefined (then allocate). */
  take(minBytes: number): Buffer | undefined {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const length = this.free[i]!.length;
      if (length >= minBytes && (best < 0 || length < this.free[best]!.length)) best = i;
    }
    if (best < 0) return undefined;
    const [buffer] = this.free.splice(best, 1);
    this.freeBytes -= buffer!.length;
    return buffer;
  }

  /** Keeps `buffer` for reuse when it is large and there is room; the caller must not touch it again. */
  give(buffer: Buffer): void {
    if (buffer.length < MIN_POOLED_BYTES) return;
    // Full: keep the larger buffers (they save the most copying), dropping smaller free ones for it.
    while (this.freeBytes + buffer.length > this.maxBytes && this.free.length > 0) {
      let smallest = 0;
      for (let i = 1; i < this.free.length; i++)
        if (this.free[i]!.length < this.free[smallest]!.length) smallest = i;
      if (this.free[smallest]!.length >= buffer.length) return;
      this.freeBytes -= this.free.splice(smallest, 1)[0]!.length;
    }
    if (this.freeBytes + buffer.length > this.maxBytes) return;
    this.free.push(buffer);
    this.freeBytes += buffer.length;
  }
}

/** The process's pool of insert bodies (one writer process, all its signals). */
export const BODY_POOL_BYTES = 64 * 1024 * 1024;
export const bodyPool = new BodyPool(BODY_POOL_BYTES);
