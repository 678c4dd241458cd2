/**
 * Choosing a record's partition. Keyed records are hashed by `receiver.partitioner`: murmur2 (Kafka's
 * Java default, as kafkajs and librdkafka's murmur2 partitioner compute it) or fnv1a (the
 * OpenTelemetry Collector's default: sticky_key with the sarama_compat hasher), so records keyed by a
 * trace id or a resource hash land where the other producers on the topic put the same key. Records
 * without a key go round robin.
 *
 * An empty key is a key: it is hashed like any other (franz-go and Sarama hash every non-nil key, and
 * the Collector sends an empty, non-nil key for items without a trace id); only a null key is keyless.
 */
import { saramaPartition } from '../schemas/keys.js';

export type PartitionerName = 'murmur2' | 'fnv1a';

/** Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), as a signed 32-bit integer. */
export function murmur2(data: Uint8Array): number {
  const m = 0x5bd1e995;
  const length = data.length;
  let h = 0x9747b28c ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  // The tail bytes, as Java's fall-through switch on length % 4 mixes them.
  const tail = length & 3;
  if (tail === 3) h ^= data[whole + 2]! << 16;
  if (tail >= 2) h ^= data[whole + 1]! << 8;
  if (tail >= 1) {
    h ^= data[whole]!;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition Kafka's default partitioner gives a key. */
export function keyPartition(key: Uint8Array, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}

/** The partition function of a `receiver.partitioner` choice. */
export function keyPartitioner(name: PartitionerName): (key: Uint8Array, partitions: number) => number {
  return name === 'fnv1a' ? saramaPartition : keyPartition;
}

/** Round robin per topic for records without a key. */
export class RoundRobin {
  private readonly next = new Map<string, number>();

  partition(topic: string, partitions: number): number {
    const n = (this.next.get(topic) ?? 0) + 1;
    this.next.set(topic, n);
    return n % partitions;
  }
}
