/** The Kafka port as the product uses it: one adapter, chosen here and nowhere else. */
import type { KafkaConnection } from './connection.js';
import { createPlatformaticKafka } from './platformatic/index.js';
import type { KafkaPort } from './port.js';

export function createKafka(connection: KafkaConnection): KafkaPort {
  return createPlatformaticKafka(connection);
}
