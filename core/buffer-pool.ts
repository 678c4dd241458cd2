/**
 * Large buffers kept for reuse, in power-of-two size classes, at most `maxIdleBytes` idle in all.
 * Why: every large Buffer is a fresh ArrayBuffer; V8 runs a full mark-compact of the whole heap each
 * time ~64 MiB of them have been allocated, and fresh memory is faulted in by the kernel page by page
 * as it is first written. The receiver's request bodies and the writer's insert bodies are the
 * processes' largest allocations; taken from here in a steady state they cost neither.
 *
 * A buffer may be given back only by the code that took it, once nothing (no socket write, no view)
 * reads it any more; after a failure it is simply left to the garbage collector.
 */
export interface BufferPoolOptions {
  /** Smallest pooled size class: smaller buffers come from Node's own slab or are cheap. */
  readonly minBytes: number;
  /** Largest pooled size class: rarer, larger buffers are allocated and collected as usual. */
  readonly maxBufferBytes: number;
  /** Idle bytes kept at most (part of the process's stated memory bound). */
  readonly maxIdleBytes: number;
}

export class BufferPool {
  /** Free memory by size class. */
  private readonly free = new Map<number, ArrayBuffer[]>();
  private idle = 0;

  constructor(private readonly options: BufferPoolOptions) {}

  get idleBytes(): number {
    return this.idle;
  }

  /** The pooled size of a `size`-byte buffer, or 0 when such buffers are not pooled. */
  private sizeClass(size: number): number {
    const { minBytes, maxBufferBytes } = this.options;
    if (size > maxBufferBytes) return 0;
    let size2 = minBytes;
    while (size2 < size) size2 *= 2;
    return size2 <= maxBufferBytes ? size2 : 0;
  }

  /**
   * A buffer of exactly `size` bytes (uninitialized): the smallest idle memory that holds it, else
   * new memory of its size class (when pooled) or a plain allocation.
   */
  take(size: number): Buffer {
    const size2 = size < this.options.minBytes ? 0 : this.sizeClass(size);
    if (size2 === 0) return Buffer.allocUnsafe(size);
    for (let c = size2; c <= this.options.maxBufferBytes; c *= 2) {
      const reused = this.free.get(c)?.pop();
      if (reused) {
        this.idle -= c;
        return Buffer.from(reused, 0, size);
      }
    }
    return Buffer.from(new ArrayBuffer(size2), 0, size);
  }

  /**
   * Gives `buffer` back (memory not taken from a pool is ignored); the caller must not touch it, or
   * any view of it, afterwards. When the pool is full, smaller idle buffers make room for a larger
   * one (it saves more), else the buffer is dropped.
   */
  give(buffer: Uint8Array): void {
    const whole = buffer.buffer;
    if (!(whole instanceof ArrayBuffer) || buffer.byteOffset !== 0) return;
    const size2 = whole.byteLength;
    if (size2 < this.options.minBytes || this.sizeClass(size2) !== size2) return;
    if (size2 > this.options.maxIdleBytes) return;
    for (let c = this.options.minBytes; c < size2 && this.idle + size2 > this.options.maxIdleBytes; c *= 2) {
      const list = this.free.get(c);
      while (list && list.length > 0 && this.idle + size2 > this.options.maxIdleBytes) {
        list.pop();
        this.idle -= c;
      }
    }
    if (this.idle + size2 > this.options.maxIdleBytes) return;
    let list = this.free.get(size2);
    if (!list) this.free.set(size2, (list = []));
    list.push(whole);
    this.idle += size2;
  }
}
