/** Starts a receiver on OS-assigned ports against the test Kafka, with its own topics. */
import { loadConfig } from '../../core/config/load.js';
import type { Config, ConfigKey } from '../../core/config/options.js';
import { type RunningReceiver, startReceiver } from '../../receiver/main.js';
import { kafkaBrokers } from './env.js';
import { freshTopics } from './kafka.js';

export interface TestReceiver extends RunningReceiver {
  readonly config: Config;
  readonly topics: { prefix: string; traces: string; metrics: string; logs: string };
  readonly httpUrl: string;
}

export async function startTestReceiver(
  overrides: Partial<Record<ConfigKey, unknown>> = {},
  partitions = 3,
): Promise<TestReceiver> {
  const topics = await freshTopics(partitions);
  const { config } = loadConfig({
    env: {},
    overrides: {
      'kafka.brokers': kafkaBrokers().join(','),
      'topics.prefix': topics.prefix,
      'receiver.host': '127.0.0.1',
      'receiver.httpPort': 0,
      'receiver.grpcPort': 0,
      'receiver.healthPort': 0,
      'receiver.metricsPort': 0,
      logLevel: 'warn',
      ...overrides,
    },
  });
  const receiver = await startReceiver(config);
  return {
    ...receiver,
    stop: () => receiver.stop(),
    config,
    topics,
    httpUrl: `http://127.0.0.1:${receiver.httpPort}`,
  };
}
