/**
 * Hot spots of kafkajs 2.2.4's produce path, replaced before kafkajs is first loaded (import this
 * module before 'kafkajs'). Profiles of the receiver under load showed them at ~10% and ~25% of its CPU:
 *
 * 1. CRC32C of every record batch, computed a byte at a time: replaced by a slicing-by-8 version
 *    (eight bytes per step, same polynomial and result; a unit test checks them against each other).
 * 2. The protocol encoder grows its buffer with zero-filled allocations sized to the next power of
 *    two and copies at each step; with 1 MB produce requests that is several MB of zeroed memory per
 *    request, and the external-memory pressure makes V8 run a full GC every few tens of ms. Growth
 *    now allocates without zero-filling (every byte up to the write offset is written before it is
 *    read; kafkajs only ever reads `buf.slice(0, offset)`).
 *
 * 3. Produce requests (and every request's frame) are written in one pass into one buffer of the exact
 *    size (core/kafka-produce.ts) instead of being copied through nine nested encoders.
 *
 * All are applied through Node's CommonJS module cache to the exact files of the pinned kafkajs
 * version. If that layout is not found (another kafkajs version), nothing is changed and
 * `kafkaSpeedups.active` is false; a unit test fails then, so an upgrade cannot silently lose them.
 */
import { createRequire, Module } from 'node:module';
import { crc32c } from './kafka-crc32c.js';
import { type ProduceRequestInput, encodeProduceRequest, frameRequest } from './kafka-produce.js';

export { crc32c };

const require = createRequire(import.meta.url);

interface EncoderLike {
  buf: Buffer;
  offset: number;
}

function install(): boolean {
  let crcPath: string;
  let encoderPath: string;
  try {
    crcPath = require.resolve('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js');
    encoderPath = require.resolve('kafkajs/src/protocol/encoder.js');
    const version = (require('kafkajs/package.json') as { version: string }).version;
    if (version !== '2.2.4') return false;
  } catch {
    return false;
  }
  if (!require.cache[crcPath]) {
    const module = new Module(crcPath);
    module.filename = crcPath;
    module.loaded = true;
    module.exports = crc32c;
    require.cache[crcPath] = module;
  }
  const Encoder = require(encoderPath) as {
    prototype: { ensureAvailable(this: EncoderLike, length: number): void };
  };
  Encoder.prototype.ensureAvailable = function ensureAvailable(this: EncoderLike, length: number): void {
    const needed = this.offset + length;
    if (needed <= this.buf.length) return;
    // Doubling (not just the next power of two of what is needed) keeps appends amortised O(1).
    const grown = Buffer.allocUnsafe(Math.max(needed, this.buf.length * 2));
    this.buf.copy(grown, 0, 0, this.offset);
    this.buf = grown;
  };
  installProduceEncoder();
  return require(crcPath) === crc32c;
}

/** kafkajs's own Produce v3 request builder, kept for the byte-equality test of ours. */
export let kafkajsProduceRequest: ((input: ProduceRequestInput) => KafkaRequest) | undefined;

interface KafkaRequest {
  readonly apiKey: number;
  readonly apiVersion: number;
  encode(): Promise<Buffer | { readonly buffer: Buffer }>;
}

/**
 * 3. Produce requests and request frames written in one pass (core/kafka-produce.ts) instead of
 *    kafkajs's nine nested copies; compressed batches still go through kafkajs's own encoder.
 */
function installProduceEncoder(): void {
  const producePath = require.resolve('kafkajs/src/protocol/requests/produce/v3/request.js');
  const framePath = require.resolve('kafkajs/src/protocol/request.js');
  const original = require(producePath) as (input: ProduceRequestInput) => KafkaRequest;
  kafkajsProduceRequest = original;
  require(framePath);
  const produceModule = require.cache[producePath];
  const frameModule = require.cache[framePath];
  if (!produceModule || !frameModule) return;
  produceModule.exports = (input: ProduceRequestInput): KafkaRequest => {
    const request = original(input);
    return {
      ...request,
      encode: async () => encodeProduceRequest(input) ?? request.encode(),
    };
  };
  frameModule.exports = async ({
    correlationId,
    clientId,
    request,
  }: {
    correlationId: number;
    clientId: string | null | undefined;
    request: KafkaRequest;
  }): Promise<{ buffer: Buffer }> => {
    const payload = await request.encode();
    const body = Buffer.isBuffer(payload) ? payload : payload.buffer;
    return {
      buffer: frameRequest(request.apiKey, request.apiVersion, correlationId, clientId ?? null, body),
    };
  };
}

export const kafkaSpeedups = { active: install() };
