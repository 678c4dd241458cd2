/** Topic names from the config, and idempotent topic creation through the Kafka admin API. */
import type { Config } from '../../../core/config/options.js';
import { createKafka } from '../../../core/kafka.js';

export type Signal = 'traces' | 'metrics' | 'logs';
export const SIGNALS: readonly Signal[] = ['traces', 'metrics', 'logs'];

export function topicFor(config: Config, signal: Signal): string {
  return config['topics.prefix'] + config[`topics.${signal}`];
}

export function dlqTopic(topic: string): string {
  return `${topic}.dlq`;
}

export function topicNames(config: Config, options: { withDlq: boolean }): string[] {
  const topics = SIGNALS.map((s) => topicFor(config, s));
  return options.withDlq ? [...topics, ...topics.map(dlqTopic)] : topics;
}

/** Creates the topics that do not exist yet; existing ones are left as they are. */
export async function ensureTopics(
  brokers: readonly string[],
  topics: readonly string[],
  partitions: number,
  replicationFactor: number,
): Promise<void> {
  const admin = createKafka({ brokers, clientId: 'tributary-admin' }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length === 0) return;
    await admin.createTopics({
      waitForLeaders: false,
      topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor })),
    });
    // kafkajs's own wait gives up on UNKNOWN_TOPIC_OR_PARTITION while a fresh broker propagates
    // metadata; poll until every partition has a leader.
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const metadata = await admin.fetchTopicMetadata({ topics: missing });
        if (
          metadata.topics.every(
            (t) => t.partitions.length === partitions && t.partitions.every((p) => p.leader >= 0),
          )
        )
          return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
      if (Date.now() > deadline) throw new Error(`topics ${missing.join(', ')} have no leaders after 30 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await admin.disconnect();
  }
}
