import type { Command } from '../command.js';

export const dev: Command = {
  name: 'dev',
  summary: 'Run the whole local stack: Kafka, local ClickHouse, migrations, receiver and writer.',
  examples: [
    'tributary dev',
    'tributary dev --clickhouse-url http://clickhouse:8123   # use an existing ClickHouse, start only Kafka',
  ],
  run: async (loaded) => (await import('../../deploy/local/dev.js')).runDev(loaded),
};
