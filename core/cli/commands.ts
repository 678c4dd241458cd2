import type { ConfigKey } from '../config/options.js';
import { configSchema } from '../config/options.js';
import type { LoadedConfig } from '../config/load.js';

export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Extra usage lines (positional arguments, examples). */
  readonly usage?: string;
  /** Config key prefixes this command reads; only these are accepted as flags. */
  readonly keyPrefixes: readonly string[];
  run(loaded: LoadedConfig, positional: readonly string[]): Promise<void>;
}

export function keysFor(command: Command): ConfigKey[] {
  return (Object.keys(configSchema) as ConfigKey[]).filter(
    (k) => k === 'stateDir' || k === 'logLevel' || command.keyPrefixes.some((p) => k.startsWith(p)),
  );
}

const kafkaKeys = ['kafka.', 'topics.'];
const clickhouseClientKeys = [
  'clickhouse.url',
  'clickhouse.user',
  'clickhouse.password',
  'clickhouse.database',
];

export const commands: readonly Command[] = [
  {
    name: 'dev',
    summary: 'Run the whole local stack: Kafka, local ClickHouse, migrations, receiver and writer.',
    keyPrefixes: ['kafka.', 'topics.', 'clickhouse.', 'schema.', 'receiver.', 'writer.'],
    run: async (loaded) => (await import('../../deploy/local/dev.js')).runDev(loaded),
  },
  {
    name: 'receiver',
    summary: 'Accept OTLP over gRPC (:4317) and HTTP (:4318) and publish it to Kafka.',
    keyPrefixes: [...kafkaKeys, 'receiver.'],
    run: async (loaded) => (await import('../../receiver/main.js')).runReceiver(loaded.config),
  },
  {
    name: 'writer',
    summary: 'Consume the OTLP topics and insert rows into ClickHouse, committing offsets after the insert.',
    keyPrefixes: [...kafkaKeys, ...clickhouseClientKeys, 'writer.'],
    run: async (loaded) => (await import('../../writer/main.js')).runWriter(loaded.config),
  },
  {
    name: 'replay',
    summary: 'Re-write an offset or time range of one signal topic into ClickHouse (safe to repeat).',
    usage:
      'Example: tributary replay --replay-signal logs --replay-from 2026-11-24T10:00:00Z --replay-to 2026-11-24T11:00:00Z\n' +
      '         (add --clickhouse-url/--clickhouse-database to target another ClickHouse; run migrate there first)',
    keyPrefixes: [...kafkaKeys, ...clickhouseClientKeys, 'writer.', 'replay.'],
    run: async (loaded) => (await import('../../writer/replay.js')).runReplayCommand(loaded.config),
  },
  {
    name: 'migrate',
    summary: 'Create the database and the ClickStack tables (idempotent).',
    keyPrefixes: [...clickhouseClientKeys, 'schema.', 'clickhouse.dedupWindow'],
    run: async (loaded) => (await import('../../schemas/migrate.js')).runMigrateCommand(loaded.config),
  },
  {
    name: 'kafka',
    summary: 'Run a local Apache Kafka (KRaft) from Maven Central jars and create the OTLP topics.',
    keyPrefixes: [
      'kafka.port',
      'kafka.brokerCount',
      'kafka.partitions',
      'kafka.replicationFactor',
      'kafka.version',
      'topics.',
    ],
    run: async (loaded) =>
      (await import('../../deploy/local/kafka/command.js')).runKafkaCommand(loaded.config),
  },
  {
    name: 'clickhouse',
    summary: 'Serve a local chdb data directory over the ClickHouse HTTP interface (default 127.0.0.1:8123).',
    keyPrefixes: [
      'clickhouse.port',
      'clickhouse.host',
      'clickhouse.allowedOrigins',
      'clickhouse.allowedHosts',
      'clickhouse.dataDir',
      'clickhouse.dedupWindow',
      'clickhouse.user',
      'clickhouse.password',
    ],
    run: async (loaded) =>
      (await import('../../deploy/local/clickhouse/command.js')).runClickHouseCommand(loaded.config),
  },
];
