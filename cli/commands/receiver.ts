import type { Command } from '../command.js';

export const receiver: Command = {
  name: 'receiver',
  summary: 'Accept OTLP over gRPC (:4317) and HTTP (:4318) and publish it to Kafka.',
  examples: ['tributary receiver --kafka-brokers kafka-1:9092,kafka-2:9092 --receiver-key-by trace'],
  run: async (loaded) => (await import('../../receiver/main.js')).runReceiver(loaded.config),
};
