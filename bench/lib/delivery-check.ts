/**
 * Did a receiver's acknowledged items reach Kafka? A fixed number of requests is sent, then the
 * records written to the topic since are read back and their items counted with the OTLP walk, until
 * all acknowledged items are there or a timeout passes. A peer that answers before Kafka acknowledged
 * (Rotel) may still be producing when the last answer arrives: hence the wait.
 */
import { type Signal, validateRequest } from '../../schemas/otlp/codec.js';
import { testKafka, topicOffsets } from '../../test/harness/kafka.js';
import type { Sender } from './load.js';

export interface DeliveryCheck {
  readonly itemsAcknowledged: number;
  readonly itemsInKafka: number;
  readonly records: number;
  readonly seconds: number;
}

export async function deliveryCheck(
  brokers: readonly string[],
  topic: string,
  signal: Signal,
  send: Sender,
  bodies: readonly Uint8Array[],
  itemsPerBody: number,
  requests: number,
  timeoutMs = 30_000,
): Promise<DeliveryCheck> {
  const kafka = testKafka(brokers, 'bench-delivery-check');
  const admin = kafka.admin();
  const reader = kafka.reader();
  try {
    const positions = new Map((await topicOffsets(admin, topic)).map((o) => [o.partition, o.high]));
    const started = performance.now();
    let acknowledged = 0;
    for (let i = 0; i < requests; i++) {
      const status = await send(bodies[i % bodies.length]!);
      if (status === '200' || status === 'grpc-0') acknowledged += itemsPerBody;
    }
    let items = 0;
    let records = 0;
    const deadline = Date.now() + timeoutMs;
    while (items < acknowledged && Date.now() < deadline) {
      const fetched = await reader.fetch(
        [...positions].map(([partition, position]) => ({ topic, partition, position })),
        {
          maxWaitMs: 200,
          maxBytesPerPartition: 16 * 2 ** 20,
          maxBytes: 64 * 2 ** 20,
          isolation: 'read_committed',
        },
      );
      for (const part of fetched) {
        if (part.error) continue;
        for (const record of part.records) {
          records++;
          items += validateRequest(signal, record.value ?? new Uint8Array(0)).items;
        }
        positions.set(part.partition, part.nextPosition);
      }
    }
    return {
      itemsAcknowledged: acknowledged,
      itemsInKafka: items,
      records,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await Promise.allSettled([reader.close(), admin.close()]);
  }
}
