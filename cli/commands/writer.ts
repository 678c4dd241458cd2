import type { Command } from '../command.js';

export const writer: Command = {
  name: 'writer',
  summary: 'Consume the OTLP topics and insert rows into ClickHouse, committing offsets after the insert.',
  examples: [
    'tributary writer --kafka-brokers kafka-1:9092 --clickhouse-url https://ch.example.com:8443 --writer-signals logs,traces',
  ],
  run: async (loaded) => (await import('../../writer/main.js')).runWriter(loaded.config),
};
