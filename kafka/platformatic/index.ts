/**
 * The Kafka adapter on @platformatic/kafka (chosen over kafkajs and the librdkafka binding: see
 * docs/performance.md, "Kafka client"). The only folder that imports a Kafka client package.
 */
import { Consumer } from '@platformatic/kafka';
import type { KafkaConnection } from '../connection.js';
import type {
  FetchOptions,
  FetchPosition,
  FetchedPartition,
  GroupMember,
  GroupOptions,
  KafkaAdmin,
  KafkaPort,
  KafkaProducer,
  PartitionReader,
  ProducerOptions,
} from '../port.js';
import { PlatformaticAdmin } from './admin.js';
import { PlatformaticGroupMember } from './group.js';
import { baseOptions } from './options.js';
import { PlatformaticProducer } from './producer.js';
import { fetchPositions } from './reader.js';

/** A reader outside any group: a Consumer that never joins, used only for its Fetch requests. */
class PlatformaticReader implements PartitionReader {
  private readonly consumer: Consumer;

  constructor(connection: KafkaConnection) {
    this.consumer = new Consumer({
      ...baseOptions(connection, '-reader'),
      groupId: `${connection.clientId}-reader-unused`,
      autocommit: false,
    });
  }

  fetch(positions: readonly FetchPosition[], options: FetchOptions): Promise<FetchedPartition[]> {
    return fetchPositions(this.consumer, positions, options);
  }

  async close(): Promise<void> {
    await this.consumer.close().catch(() => undefined);
  }
}

export function createPlatformaticKafka(connection: KafkaConnection): KafkaPort {
  return {
    producer: (options: ProducerOptions): KafkaProducer => new PlatformaticProducer(connection, options),
    reader: (): PartitionReader => new PlatformaticReader(connection),
    group: (options: GroupOptions): GroupMember => new PlatformaticGroupMember(connection, options),
    admin: (): KafkaAdmin => new PlatformaticAdmin(connection),
  };
}
