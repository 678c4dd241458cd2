import type { Command } from '../command.js';

export const clickhouse: Command = {
  name: 'clickhouse',
  summary:
    'Serve a local chdb data directory over the ClickHouse HTTP interface (default 127.0.0.1:8123), with the ClickStack UI at /clickstack.',
  examples: ['tributary clickhouse --clickhouse-data-dir ./ch-data --clickhouse-port 8124'],
  run: async (loaded) =>
    (await import('../../deploy/local/clickhouse/command.js')).runClickHouseCommand(loaded.config),
};
