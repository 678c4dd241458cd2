/** Idempotent topic creation for the local stack and tests, through the Kafka port's admin. */
import { createKafka } from '../../../kafka/create.js';
import { topicSettings } from '../../../schemas/topics.js';

export { SIGNALS, dlqTopic, topicFor, topicNames } from '../../../schemas/topics.js';

/**
 * Creates the topics that do not exist yet, with the topic contract's settings (retention = the replay
 * window, room for the largest dead letter), and waits for leaders; existing ones are left as they are.
 */
export async function ensureTopics(
  brokers: readonly string[],
  topics: readonly string[],
  partitions: number,
  replicationFactor: number,
): Promise<void> {
  const admin = createKafka({ brokers, clientId: 'tributary-admin' }).admin();
  try {
    await admin.ensureTopics(
      topics.map((name) => ({ name, partitions, replicationFactor, configs: topicSettings(name) })),
    );
  } finally {
    await admin.close();
  }
}
