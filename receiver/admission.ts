/**
 * Admission before work: what a request must pass before the receiver spends memory or CPU on it,
 * and one process-wide budget for the bytes it then holds.
 *
 * The budget (receiver.maxAdmittedBytes) counts every byte a request holds from the moment its body
 * starts being read until it is answered: the body as received, the decompressed body, the JSON →
 * protobuf conversion (reserved up front at JSON_CONVERSION_FACTOR × the JSON size: the parsed
 * object graph), the protobuf and the split records being produced. A request that would take the
 * budget over its limit is refused with OVERLOADED (429 / RESOURCE_EXHAUSTED + Retry-After) and
 * releases what it held, so memory stays bounded however many clients send at once.
 * (The publisher's own in-flight budget, receiver.maxInflightBytes, counts the same records again
 * while they are produced; it bounds the Kafka stage alone.)
 *
 * Rate limits on requests and bytes per API key are checked here too, before any body is read or
 * validated; items are counted after validation (pipeline.ts).
 */
import type { Config } from '../core/config/options.js';
import { TributaryError } from '../core/errors.js';
import { type RateLimiter, createRateLimiter } from './rate-limit.js';

/**
 * Bytes of memory held per byte of JSON while it is converted: the UTF-16/latin1 string, the
 * parsed object graph (keys, small objects, numbers as strings) and the protobuf written from it.
 * Measured ≈ 5-7× on OTLP JSON (test/integration/receiver-admission.test.ts); 8 leaves headroom.
 */
export const JSON_CONVERSION_FACTOR = 8;

/** Bytes a request holds in the budget; release() when it is answered (idempotent). */
export interface Lease {
  readonly bytes: number;
  /** Adds `bytes` or throws OVERLOADED (nothing added). */
  grow(bytes: number): void;
  /** Grows the lease to at least `total` bytes. */
  ensure(total: number): void;
  /** Gives back `bytes` (e.g. a conversion's temporary memory once it is garbage). */
  shrink(bytes: number): void;
  release(): void;
}

export class ByteBudget {
  private used = 0;
  constructor(readonly limit: number) {}

  get bytesUsed(): number {
    return this.used;
  }

  /** Throws OVERLOADED when the budget is already full: the cheapest refusal, before any read. */
  checkRoom(): void {
    if (this.used >= this.limit) throw this.overloaded(0);
  }

  open(): Lease {
    let held = 0;
    let released = false;
    const lease: Lease = {
      get bytes() {
        return held;
      },
      grow: (bytes) => {
        if (released || bytes <= 0) return;
        // More than the whole budget can never fit: permanent, or the client would retry forever.
        if (held + bytes > this.limit)
          throw new TributaryError(
            'PAYLOAD_TOO_LARGE',
            `the request needs ${held + bytes} bytes to be received and converted, more than receiver.maxAdmittedBytes (${this.limit}); send smaller requests`,
          );
        if (this.used + bytes > this.limit) throw this.overloaded(bytes);
        this.used += bytes;
        held += bytes;
      },
      ensure: (total) => {
        if (total > held) lease.grow(total - held);
      },
      shrink: (bytes) => {
        const give = Math.min(Math.max(0, bytes), held);
        held -= give;
        this.used -= give;
      },
      release: () => {
        if (released) return;
        released = true;
        this.used -= held;
        held = 0;
      },
    };
    return lease;
  }

  private overloaded(bytes: number): TributaryError {
    return new TributaryError(
      'OVERLOADED',
      `the receiver holds ${this.used} bytes of requests (receiver.maxAdmittedBytes = ${this.limit})${bytes ? `, ${bytes} more do not fit` : ''}; retry later`,
    );
  }
}

export class Admission {
  readonly budget: ByteBudget;
  private readonly requests: RateLimiter;
  private readonly bytes: RateLimiter;

  /**
   * `backlog` throws a retryable error while what is downstream (the Kafka producer) cannot take
   * more: checked with the budget, before anything of a request is read.
   */
  constructor(
    config: Config,
    private readonly backlog: () => void = () => {},
  ) {
    this.budget = new ByteBudget(config['receiver.maxAdmittedBytes']);
    this.requests = createRateLimiter(
      config['receiver.rateLimitRequestsPerSecond'],
      config['receiver.rateLimitRequestsPerSecond'],
      { unit: 'requests', burstKey: 'receiver.rateLimitRequestsPerSecond' },
    );
    const bytesPerSecond = config['receiver.rateLimitBytesPerSecond'];
    this.bytes = createRateLimiter(
      bytesPerSecond,
      // A single body of the largest allowed size must always be able to pass eventually.
      Math.max(bytesPerSecond, config['receiver.maxCompressedBodyBytes'], config['receiver.maxBodyBytes']),
      { unit: 'bytes', burstKey: 'receiver.rateLimitBytesPerSecond' },
    );
  }

  /**
   * An authenticated request arrives: checks the request rate, the declared size (Content-Length)
   * against the byte rate and the budget, and opens its lease. Throws before anything is read.
   */
  admit(keyId: string | undefined, declaredBytes?: number): Lease {
    this.budget.checkRoom();
    this.backlog();
    this.requests.take(keyId, 1);
    if (declaredBytes !== undefined) this.bytes.take(keyId, declaredBytes);
    const lease = this.budget.open();
    if (declaredBytes !== undefined) lease.grow(declaredBytes);
    return lease;
  }

  /** Bytes whose size was not declared up front (chunked bodies, gRPC messages). */
  takeBytes(keyId: string | undefined, bytes: number): void {
    this.bytes.take(keyId, bytes);
  }
}

/**
 * Resident memory of an idle receiver (Node, Fastify, grpc-js, @platformatic/kafka, pino): measured
 * 122 MiB after the first requests (receiver-admission.test.ts); 160 leaves headroom, which also
 * covers the 16 MiB of idle body buffers the HTTP receiver keeps for reuse (http-body.ts).
 */
export const RECEIVER_BASE_BYTES = 160 * 1024 * 1024;
/**
 * Resident bytes per admitted byte: the admitted buffers themselves, plus copies being concatenated,
 * socket buffers of requests being refused and garbage not yet collected. Measured 2.8 (64 MiB
 * budget, 36 concurrent 3-24 MiB bodies: protobuf, JSON, gzip; receiver-admission.test.ts).
 */
export const HEAP_SLACK_FACTOR = 3;

/**
 * The receiver's memory bound (docs/operations.md): 160 MiB + 3 × receiver.maxAdmittedBytes +
 * receiver.maxInflightBytes (the Kafka client's encoded copies of records being produced).
 */
export function receiverMemoryBytes(config: Config): number {
  return (
    RECEIVER_BASE_BYTES +
    HEAP_SLACK_FACTOR * config['receiver.maxAdmittedBytes'] +
    config['receiver.maxInflightBytes']
  );
}
