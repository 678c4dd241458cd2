/** An idempotent acks=all producer on @platformatic/kafka; partitions are chosen by the caller. */
import { Producer, ProduceAcks } from '@platformatic/kafka';
import type { KafkaConnection } from '../connection.js';
import type { KafkaProducer, OutgoingRecord, ProducerOptions } from '../port.js';
import { toKafkaError } from './errors.js';
import { baseOptions } from './options.js';

function asBuffer(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

export class PlatformaticProducer implements KafkaProducer {
  private readonly producer: Producer;

  constructor(connection: KafkaConnection, options: ProducerOptions) {
    this.producer = new Producer({
      ...baseOptions(connection, '-producer'),
      requestTimeout: options.timeoutMs,
      idempotent: true,
      acks: ProduceAcks.ALL,
      compression: options.compression,
    });
  }

  async send(records: readonly OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    // The records of one request share one headers object: turn it into bytes once per send.
    const encoded = new Map<OutgoingRecord['headers'], Map<Buffer, Buffer>>();
    const headersOf = (headers: OutgoingRecord['headers']): Map<Buffer, Buffer> => {
      let map = encoded.get(headers);
      if (!map) {
        // Header names travel as bytes too (the client's default serializers expect Buffers).
        map = new Map(
          Object.entries(headers).map(([k, v]) => [
            Buffer.from(k),
            typeof v === 'string' ? Buffer.from(v) : v,
          ]),
        );
        encoded.set(headers, map);
      }
      return map;
    };
    try {
      await this.producer.send({
        messages: records.map((r) => ({
          topic: r.topic,
          partition: r.partition,
          ...(r.key ? { key: r.key } : {}),
          value: asBuffer(r.value),
          headers: headersOf(r.headers),
        })),
      });
    } catch (err) {
      throw toKafkaError(err, 'produce');
    }
  }

  async close(): Promise<void> {
    await this.producer.close().catch(() => undefined);
  }
}
