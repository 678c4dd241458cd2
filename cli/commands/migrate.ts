import type { Command } from '../command.js';

export const migrate: Command = {
  name: 'migrate',
  summary: 'Create the database and the ClickStack tables (idempotent).',
  examples: [
    'tributary migrate --clickhouse-url http://127.0.0.1:8123 --clickhouse-database otel --schema-ttl-days 7',
  ],
  run: async (loaded) => (await import('../../schemas/migrate.js')).runMigrateCommand(loaded.config),
};
