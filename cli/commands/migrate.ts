import type { Command } from '../command.js';

export const migrate: Command = {
  name: 'migrate',
  summary:
    'Create the database and the ClickStack tables, or bring an existing ClickStack / exporter database to the current layout (idempotent; each change printed).',
  examples: [
    'tributary migrate --clickhouse-url http://127.0.0.1:8123 --clickhouse-database otel --schema-ttl-days 7',
    'tributary migrate --clickhouse-database otel --dry-run   (print the plan, change nothing)',
    'tributary migrate --schema-attributes json   (JSON attribute columns, as the exporter with json: true)',
  ],
  run: async (loaded) =>
    (await import('../../schemas/migrate.js')).runMigrateCommand(loaded.config, loaded.sources),
};
