import type { Command } from '../command.js';

export const kafka: Command = {
  name: 'kafka',
  summary: 'Run a local Apache Kafka (KRaft) from Maven Central jars and create the OTLP topics.',
  examples: ['tributary kafka --kafka-broker-count 3 --kafka-replication-factor 3'],
  run: async (loaded) => (await import('../../deploy/local/kafka/command.js')).runKafkaCommand(loaded.config),
};
