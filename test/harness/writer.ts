/** Starts a writer against the test Kafka and ClickHouse for given topics and database. */
import { loadConfig } from '../../core/config/load.js';
import type { ConfigKey } from '../../core/config/options.js';
import { type RunningWriter, startWriter } from '../../writer/main.js';
import { clickhouseUrl, kafkaBrokers, uniqueName } from './env.js';

export async function startTestWriter(
  prefix: string,
  database: string,
  overrides: Partial<Record<ConfigKey, unknown>> = {},
): Promise<RunningWriter> {
  const { config } = loadConfig({
    env: {},
    overrides: {
      'kafka.brokers': kafkaBrokers().join(','),
      'clickhouse.url': clickhouseUrl(),
      'clickhouse.database': database,
      'topics.prefix': prefix,
      'writer.groupId': uniqueName('writer'),
      'writer.flushIntervalMs': 300,
      // Fixtures carry fixed times (November 2026): keep them unclamped however long after that the
      // tests run. Tests of clamping set the window themselves.
      'writer.maxTimestampPastMs': 5 * 365 * 86_400_000,
      'writer.healthPort': 0,
      'writer.metricsPort': 0,
      logLevel: 'warn',
      ...overrides,
    },
  });
  return startWriter(config);
}
