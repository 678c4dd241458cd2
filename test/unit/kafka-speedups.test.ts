/**
 * The kafkajs speed-ups (core/kafka-speedups.ts) are active for the pinned kafkajs, and the
 * slicing-by-8 CRC32C equals a bit-at-a-time reference. (Every Kafka test also proves it end to end:
 * the broker refuses a record batch whose CRC is wrong.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import '../../core/kafka.js';
import { encodeProduceRequest } from '../../core/kafka-produce.js';
import { crc32c, kafkaSpeedups, kafkajsProduceRequest } from '../../core/kafka-speedups.js';
import { seededRandom } from '../fixtures/generate.js';

function referenceCrc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

test('the speed-ups are installed for the pinned kafkajs', () => {
  assert.equal(kafkaSpeedups.active, true);
});

test('CRC32C: the standard check value and random buffers of every length up to 100', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(0)), 0);
  const random = seededRandom(7);
  for (let length = 1; length <= 100; length++) {
    const bytes = Uint8Array.from({ length }, () => Math.floor(random() * 256));
    assert.equal(crc32c(bytes), referenceCrc32c(bytes), `length ${length}`);
  }
  const large = Uint8Array.from({ length: 100_003 }, () => Math.floor(random() * 256));
  assert.equal(crc32c(large), referenceCrc32c(large));
});

test('one-pass Produce requests are byte-for-byte what kafkajs encodes', async () => {
  const original = kafkajsProduceRequest;
  assert.ok(original, 'kafkajs encoder captured');
  const random = seededRandom(11);
  const bytes = (n: number): Buffer =>
    Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
  const input = {
    acks: -1,
    timeout: 30_000,
    transactionalId: null,
    producerId: 4242,
    producerEpoch: 3,
    compression: 0,
    topicData: [
      {
        topic: 'otlp_spans',
        partitions: [
          {
            partition: 0,
            firstSequence: 17,
            messages: [
              {
                key: bytes(16),
                value: bytes(300),
                headers: { 'otelcol.signal': 'traces', 'tributary.region': 'eu' },
                timestamp: 1795000000123,
              },
              { key: null, value: bytes(70_000), headers: {}, timestamp: 1795000000456 },
            ],
          },
          { partition: 2, firstSequence: 0, messages: [{ value: 'text value ✓', timestamp: 1795000000999 }] },
        ],
      },
      {
        topic: 'otlp_logs',
        partitions: [{ partition: 1, messages: [{ key: 'k', value: bytes(5), timestamp: 1795000001000 }] }],
      },
    ],
  };
  const theirs = await original(input).encode();
  const ours = encodeProduceRequest(input);
  assert.ok(ours);
  assert.deepEqual(ours, Buffer.isBuffer(theirs) ? theirs : theirs.buffer);
  assert.equal(encodeProduceRequest({ ...input, compression: 1 }), undefined, 'compressed: left to kafkajs');
});
