/**
 * A one-pass encoder for uncompressed Produce requests (v3 layout, which kafkajs also uses for v4-v7)
 * and for the request frame around every request. kafkajs builds each level (record, record batch,
 * partition, topic, request, frame) in an encoder of its own and copies it into the next: nine copies
 * of every record value, each in a freshly allocated buffer. Here sizes are computed first and each
 * request is written into one buffer of the exact size, the record values copied once.
 *
 * Formats (Kafka protocol): RecordBatch v2 (magic 2) with CRC32C over attributes..end; record fields
 * as zig-zag varints; Produce v3: transactional_id, acks, timeout, [topic [partition record_set]].
 * Compressed batches are left to kafkajs's own encoder.
 */
import { crc32c } from './kafka-crc32c.js';

type Bytes = Buffer | string | null | undefined;

interface ProduceMessage {
  readonly key?: Bytes;
  readonly value: Bytes;
  readonly headers?: Readonly<Record<string, Bytes | readonly Bytes[]>>;
  readonly timestamp?: number | string;
}

interface ProducePartition {
  readonly partition: number;
  readonly firstSequence?: number;
  readonly messages: readonly ProduceMessage[];
}

export interface ProduceRequestInput {
  readonly acks: number;
  readonly timeout: number;
  readonly transactionalId?: string | null;
  readonly producerId?: unknown;
  readonly producerEpoch?: number;
  readonly compression?: number;
  readonly topicData: readonly { readonly topic: string; readonly partitions: readonly ProducePartition[] }[];
}

function asBuffer(value: Bytes): Buffer | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
}

/** kafkajs passes 64-bit ids as its Long wrapper ({ value: bigint }), or as numbers/strings. */
function toBigInt(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' || typeof value === 'string') return BigInt(value);
  if (value && typeof value === 'object' && 'value' in value) return toBigInt(value.value);
  return -1n;
}

const zigzag = (n: number): number => (n >= 0 ? n * 2 : -n * 2 - 1);

function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

const signedVarintSize = (n: number): number => varintSize(zigzag(n));

/** The per-record pieces, with sizes, computed before anything is written. */
interface PreparedRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly (readonly [Buffer, Buffer | null])[];
  readonly timestampDelta: number;
  readonly offsetDelta: number;
  /** Bytes after the length varint. */
  readonly bodySize: number;
}

interface PreparedBatch {
  readonly partition: number;
  readonly records: readonly PreparedRecord[];
  readonly firstTimestamp: number;
  readonly maxTimestamp: number;
  readonly firstSequence: number;
  /** Bytes of the whole RecordBatch (base offset included). */
  readonly size: number;
}

const BATCH_HEADER = 8 + 4 + 4 + 1 + 4 + 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4;

function prepareBatch(data: ProducePartition, now: number): PreparedBatch | undefined {
  const times = data.messages.map((m) => (m.timestamp === undefined ? now : Number(m.timestamp)));
  const firstTimestamp = times.length ? Math.min(...times) : now;
  const maxTimestamp = times.length ? Math.max(...times) : now;
  const records: PreparedRecord[] = [];
  let size = BATCH_HEADER;
  for (const [i, message] of data.messages.entries()) {
    const key = asBuffer(message.key);
    const value = asBuffer(message.value);
    const headers: (readonly [Buffer, Buffer | null])[] = [];
    for (const [name, raw] of Object.entries(message.headers ?? {})) {
      if (Array.isArray(raw)) return undefined; // repeated header keys: leave to kafkajs
      headers.push([Buffer.from(name, 'utf8'), asBuffer(raw as Bytes)]);
    }
    const timestampDelta = times[i]! - firstTimestamp;
    let bodySize =
      1 +
      signedVarintSize(timestampDelta) +
      signedVarintSize(i) +
      (key ? signedVarintSize(key.length) + key.length : 1) +
      (value ? signedVarintSize(value.length) + value.length : 1) +
      signedVarintSize(headers.length);
    for (const [name, headerValue] of headers)
      bodySize +=
        signedVarintSize(name.length) +
        name.length +
        (headerValue ? signedVarintSize(headerValue.length) + headerValue.length : 1);
    records.push({ key, value, headers, timestampDelta, offsetDelta: i, bodySize });
    size += signedVarintSize(bodySize) + bodySize;
  }
  return {
    partition: data.partition,
    records,
    firstTimestamp,
    maxTimestamp,
    firstSequence: data.firstSequence ?? 0,
    size,
  };
}

class Writer {
  offset = 0;
  constructor(readonly buf: Buffer) {}
  int8(v: number): void {
    this.buf.writeInt8(v, this.offset);
    this.offset += 1;
  }
  int16(v: number): void {
    this.buf.writeInt16BE(v, this.offset);
    this.offset += 2;
  }
  int32(v: number): void {
    this.buf.writeInt32BE(v, this.offset);
    this.offset += 4;
  }
  int64(v: bigint): void {
    this.buf.writeBigInt64BE(v, this.offset);
    this.offset += 8;
  }
  varint(n: number): void {
    let v = zigzag(n);
    while (v >= 0x80) {
      this.buf[this.offset++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.offset++] = v;
  }
  bytes(b: Buffer): void {
    b.copy(this.buf, this.offset);
    this.offset += b.length;
  }
  /** Length-prefixed (zig-zag varint) bytes; null as -1. */
  varBytes(b: Buffer | null): void {
    if (!b) return this.varint(-1);
    this.varint(b.length);
    this.bytes(b);
  }
  /** STRING / NULLABLE_STRING: int16 length + UTF-8. */
  string(s: string | null): void {
    if (s === null) return this.int16(-1);
    const length = Buffer.byteLength(s, 'utf8');
    this.int16(length);
    this.buf.write(s, this.offset, length, 'utf8');
    this.offset += length;
  }
}

function writeBatch(
  w: Writer,
  batch: PreparedBatch,
  producerId: bigint,
  epoch: number,
  transactional: boolean,
): void {
  const start = w.offset;
  w.int64(0n); // base offset: the broker assigns it
  w.int32(batch.size - 12); // batch length: everything after this field
  w.int32(0); // partition leader epoch
  w.int8(2); // magic
  const crcAt = w.offset;
  w.int32(0); // CRC, filled below
  const crcFrom = w.offset;
  w.int16(transactional ? 16 : 0); // attributes: no compression, create time, transactional bit
  w.int32(batch.records.length - 1);
  w.int64(BigInt(batch.firstTimestamp));
  w.int64(BigInt(batch.maxTimestamp));
  w.int64(producerId);
  w.int16(epoch);
  w.int32(batch.firstSequence);
  w.int32(batch.records.length);
  for (const record of batch.records) {
    w.varint(record.bodySize);
    w.int8(0); // record attributes
    w.varint(record.timestampDelta);
    w.varint(record.offsetDelta);
    w.varBytes(record.key);
    w.varBytes(record.value);
    w.varint(record.headers.length);
    for (const [name, value] of record.headers) {
      w.varBytes(name);
      w.varBytes(value);
    }
  }
  if (w.offset - start !== batch.size)
    throw new Error(`record batch size ${w.offset - start} != ${batch.size}`);
  w.buf.writeUInt32BE(crc32c(w.buf.subarray(crcFrom, w.offset)), crcAt);
}

/** The Produce v3 request body, or undefined when kafkajs's own encoder must handle it (compression, repeated headers). */
export function encodeProduceRequest(input: ProduceRequestInput): Buffer | undefined {
  if ((input.compression ?? 0) !== 0) return undefined;
  const now = Date.now();
  const transactionalId = input.transactionalId ?? null;
  const topics: { name: string; batches: PreparedBatch[] }[] = [];
  let size = 2 + (transactionalId === null ? 0 : Buffer.byteLength(transactionalId, 'utf8')) + 2 + 4 + 4;
  for (const { topic, partitions } of input.topicData) {
    const batches: PreparedBatch[] = [];
    size += 2 + Buffer.byteLength(topic, 'utf8') + 4;
    for (const data of partitions) {
      const batch = prepareBatch(data, now);
      if (!batch) return undefined;
      batches.push(batch);
      size += 4 + 4 + batch.size;
    }
    topics.push({ name: topic, batches });
  }
  const w = new Writer(Buffer.allocUnsafe(size));
  w.string(transactionalId);
  w.int16(input.acks);
  w.int32(input.timeout);
  w.int32(topics.length);
  const producerId = toBigInt(input.producerId ?? -1);
  const epoch = input.producerEpoch ?? 0;
  for (const topic of topics) {
    w.string(topic.name);
    w.int32(topic.batches.length);
    for (const batch of topic.batches) {
      w.int32(batch.partition);
      w.int32(batch.size);
      writeBatch(w, batch, producerId, epoch, transactionalId !== null);
    }
  }
  if (w.offset !== size) throw new Error(`produce request size ${w.offset} != ${size}`);
  return w.buf;
}

/** The frame around a request body: size, api key and version, correlation id, client id. */
export function frameRequest(
  apiKey: number,
  apiVersion: number,
  correlationId: number,
  clientId: string | null,
  body: Buffer,
): Buffer {
  const clientIdLength = clientId === null ? 0 : Buffer.byteLength(clientId, 'utf8');
  const headerSize = 2 + 2 + 4 + 2 + clientIdLength;
  const w = new Writer(Buffer.allocUnsafe(4 + headerSize + body.length));
  w.int32(headerSize + body.length);
  w.int16(apiKey);
  w.int16(apiVersion);
  w.int32(correlationId);
  w.string(clientId);
  w.bytes(body);
  return w.buf;
}
