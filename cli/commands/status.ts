import type { Command } from '../command.js';

export const status: Command = {
  name: 'status',
  summary:
    'The pipeline at a glance: topic end offsets, writer lag per partition, rows per table, dead letters, components answering.',
  examples: [
    'tributary status                      # against `dev`, refreshing in place',
    'tributary status --once --json --kafka-brokers kafka:9092 --clickhouse-url https://ch:8443 --endpoints http://receiver:13133,http://writer:13134',
  ],
  run: async (loaded) => (await import('../../ops/status/run.js')).runStatusCommand(loaded.config),
};
